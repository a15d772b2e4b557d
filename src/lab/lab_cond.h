/*
 * lab_cond: Forklift's condition lists (forklift.md 4.5) on cJSON arrays.
 *
 * A condition is {type, status "True", category, reason, message,
 * suggestion, lastTransitionTime, durable, items}. The controller
 * recomputes conditions on every reconcile ("staging"): it starts a fresh
 * list that keeps the old list's durable conditions, sets what applies,
 * and lab_cond_finish carries each condition's lastTransitionTime over from
 * the old list when nothing about it changed, so timestamps only move on
 * real transitions. Absent means false; the controller never writes
 * status "False".
 *
 * Ownership: functions take and return cJSON trees the caller owns.
 */
#ifndef MTV_LAB_COND_H
#define MTV_LAB_COND_H

#include <cjson/cJSON.h>

#define LAB_CAT_CRITICAL "Critical"
#define LAB_CAT_ERROR "Error"
#define LAB_CAT_WARN "Warn"
#define LAB_CAT_ADVISORY "Advisory"
#define LAB_CAT_REQUIRED "Required"

/* A new list holding the durable conditions of old (old may be NULL). */
cJSON *lab_cond_stage(const cJSON *old);
/* Sets (replaces) the condition of that type. reason/message may be NULL;
 * items (consumed, may be NULL) is an array of strings. */
void lab_cond_set(cJSON *list, const char *type, const char *category, const char *reason,
                  const char *message, int durable, cJSON *items);
void lab_cond_remove(cJSON *list, const char *type);
const cJSON *lab_cond_find(const cJSON *list, const char *type);
int lab_cond_has(const cJSON *list, const char *type);
/* A Critical or Error condition is present. */
int lab_cond_blocked(const cJSON *list);
/* Gives every condition of list its lastTransitionTime: old's when the
 * condition is unchanged there, else now (RFC 3339). */
void lab_cond_finish(cJSON *list, const cJSON *old, const char *now);

#endif
