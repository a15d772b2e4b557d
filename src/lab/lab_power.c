/* lab_power: see lab_power.h. */
#include "lab/lab_power.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/strbuf.h"
#include "util/strmap.h"

struct lab_power {
    pthread_mutex_t mu;
    strmap states;   /* "<type>/<id>" -> 1 (off) or 2 (on) */
};

lab_power *lab_power_new(void)
{
    lab_power *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void lab_power_free(lab_power *p)
{
    if (!p)
        return;
    strmap_free(&p->states);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static void key(strbuf *k, lab_src_type t, const char *id)
{
    sb_addf(k, "%s/%s", lab_src_type_name(t), id ? id : "");
}

int lab_power_get(lab_power *p, lab_src_type t, const lab_vm *vm)
{
    strbuf k = STRBUF_INIT;
    key(&k, t, vm->id);
    pthread_mutex_lock(&p->mu);
    intptr_t v = (intptr_t)strmap_get(&p->states, k.buf);
    pthread_mutex_unlock(&p->mu);
    sb_release(&k);
    return v ? v == 2 : vm->power_on;
}

void lab_power_set(lab_power *p, lab_src_type t, const char *vm_id, int on)
{
    strbuf k = STRBUF_INIT;
    key(&k, t, vm_id);
    pthread_mutex_lock(&p->mu);
    strmap_put(&p->states, k.buf, (void *)(intptr_t)(on ? 2 : 1));
    pthread_mutex_unlock(&p->mu);
    sb_release(&k);
}
