/* Memory planning for one workspace: buffers whose lifetimes (inclusive
 * step ranges) overlap get disjoint ranges of one arena; the others reuse. */
#ifndef LRP_EXPLAIN_OFFSETS_H
#define LRP_EXPLAIN_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lrp_interval {
    int start, end; /* first and last step the buffer is live in */
    size_t size;    /* floats; 0 = no buffer */
    size_t offset;  /* out: floats from the arena's start */
} lrp_interval;

/* Fills every offset (first fit, in order of start) and returns the arena
 * size in floats; false when out of memory. */
bool lrp_plan_offsets(lrp_interval *iv, int n, size_t *total);

#endif
