/* A per-pixel map given to an input of c channels, as Grad-CAM, RISE and
 * Score-CAM give theirs: spread evenly over the channels, so that the
 * input's relevance summed over channels is the map. */
#ifndef LRP_EXPLAIN_CHANNEL_MAP_H
#define LRP_EXPLAIN_CHANNEL_MAP_H

#include <stddef.h>
#include <string.h>

/* out (c, hw) from the map in out[0 .. hw - 1]: map / c in every channel. */
static inline void lrp_channel_map_spread(float *out, int c, size_t hw)
{
    for (size_t p = 0; p < hw; p++)
        out[p] /= (float)c;
    for (int ch = 1; ch < c; ch++)
        memcpy(out + (size_t)ch * hw, out, hw * sizeof *out);
}

#endif
