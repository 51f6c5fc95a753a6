/* conservation.svg (the paper's Fig. 5): per image, the sum of the input
 * relevance against the predicted probability, one color per method,
 * with the line y = x on which a map that conserves p(ŷ) lies. */
#ifndef LRP_EVAL_CONSERVATION_SVG_H
#define LRP_EVAL_CONSERVATION_SVG_H

#include "lrp.h"

typedef struct lrp_scatter_method {
    const char *name;
    const double *p;   /* (n) p(target), the x axis, in [0, 1] */
    const double *sum; /* (n) Σ R_in, the y axis */
    int n;
} lrp_scatter_method;

/* Writes the SVG to 'path' atomically; the y axis spans [0, 1] and every
 * finite sum. Non-finite points are left out. The bytes depend only on
 * the arguments. */
lrp_status lrp_conservation_svg_write(const char *path, const char *title,
                                      const lrp_scatter_method *methods, int n_methods,
                                      lrp_error *err);

#endif
