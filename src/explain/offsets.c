/* First-fit interval packing: walk buffers by start step, retire those
 * whose last step has passed, place each in the lowest gap that fits. */
#include "explain/offsets.h"

#include <stdlib.h>

#define ALIGN_FLOATS 16 /* 64 bytes: every buffer starts on a cache line */

/* Indices of iv ordered by start (a stable counting sort: starts are step
 * numbers, from -1 up; those of empty buffers count as 0). */
static int start_of(const lrp_interval *b)
{
    return b->size ? b->start : 0;
}

static int *order_by_start(const lrp_interval *iv, int n)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < n; i++) {
        lo = start_of(&iv[i]) < lo ? start_of(&iv[i]) : lo;
        hi = start_of(&iv[i]) > hi ? start_of(&iv[i]) : hi;
    }
    int *count = calloc((size_t)(hi - lo) + 2, sizeof *count);
    int *order = malloc(sizeof *order * ((size_t)n + 1));
    if (!count || !order) {
        free(count);
        free(order);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        count[start_of(&iv[i]) - lo + 1]++;
    for (int s = 1; s <= hi - lo + 1; s++)
        count[s] += count[s - 1];
    for (int i = 0; i < n; i++)
        order[count[start_of(&iv[i]) - lo]++] = i;
    free(count);
    return order;
}

/* The lowest offset where size floats fit between the live buffers, which
 * are kept sorted by offset in live[0..n_live). */
static size_t first_fit(const lrp_interval *iv, const int *live, int n_live, size_t size,
                        int *slot)
{
    size_t end = 0;
    for (int k = 0; k < n_live; k++) {
        const lrp_interval *b = &iv[live[k]];
        if (b->offset >= end + size) {
            *slot = k;
            return end;
        }
        end = b->offset + b->size > end ? b->offset + b->size : end;
    }
    *slot = n_live;
    return end;
}

bool lrp_plan_offsets(lrp_interval *iv, int n, size_t *total)
{
    int *order = order_by_start(iv, n);
    int *live = malloc(sizeof *live * ((size_t)n + 1));
    if (!order || !live) {
        free(order);
        free(live);
        return false;
    }
    int n_live = 0;
    *total = 0;
    for (int k = 0; k < n; k++) {
        lrp_interval *b = &iv[order[k]];
        b->size = (b->size + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
        if (b->size == 0)
            continue;
        int kept = 0; /* retire buffers whose last step is before this start */
        for (int j = 0; j < n_live; j++)
            if (iv[live[j]].end >= b->start)
                live[kept++] = live[j];
        n_live = kept;
        int slot;
        b->offset = first_fit(iv, live, n_live, b->size, &slot);
        for (int j = n_live; j > slot; j--)
            live[j] = live[j - 1];
        live[slot] = order[k];
        n_live++;
        *total = b->offset + b->size > *total ? b->offset + b->size : *total;
    }
    free(order);
    free(live);
    return true;
}
