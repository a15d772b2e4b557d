/*
 * lab_auth: who may talk to the lab, and the OpenShift login flow.
 *
 * Requests to the API carry `Authorization: Bearer <token>`; anything else
 * gets 401 Unauthorized (a Status, as the API server sends it). The lab
 * starts with one random admin token (written to the kubeconfig) and one
 * user with a random password, who can log in the way `oc login -u` does:
 *
 *   GET /.well-known/oauth-authorization-server     -> issuer and endpoints
 *   GET /oauth/authorize?response_type=token&client_id=openshift-challenging-client
 *       with X-CSRF-Token and Authorization: Basic user:password
 *       -> 302 Location: <issuer>/oauth/token/implicit#access_token=sha256~...
 *          &expires_in=86400&scope=user%3Afull&token_type=Bearer
 *
 * Without credentials the answer is a 401 Basic challenge (or, without
 * X-CSRF-Token, the OpenShift hint that the header is needed). Tokens issued
 * that way authenticate as that user; GET /apis/user.openshift.io/v1/users/~
 * says who a token belongs to. Every token and the password are registered
 * with the logger's secret registry so they never reach a log.
 * Thread-safe.
 */
#ifndef MTV_LAB_AUTH_H
#define MTV_LAB_AUTH_H

#include "lab/lab_req.h"
#include "util/err.h"

typedef struct lab_auth lab_auth;

/* username: the login user ("kubeadmin" when NULL). */
lab_auth *lab_auth_new(const char *username);
void lab_auth_free(lab_auth *a);

const char *lab_auth_admin_token(const lab_auth *a);
const char *lab_auth_username(const lab_auth *a);
const char *lab_auth_password(const lab_auth *a);
/* The issuer URL ("https://127.0.0.1:PORT") used in discovery and redirects. */
void lab_auth_set_issuer(lab_auth *a, const char *url);

/* Returns 1 and sets req->user when the bearer token is known, else 0. */
int lab_auth_check(lab_auth *a, lab_req *req);

/* Handlers (ud = the lab_auth): the OAuth server endpoints (mounted without
 * authentication at /.well-known/oauth-authorization-server and /oauth/),
 * and the current-user endpoint (mounted with authentication). */
void lab_auth_oauth_handle(void *a, lab_req *req, lab_resp *resp);
void lab_auth_user_handle(void *a, lab_req *req, lab_resp *resp);

#endif
