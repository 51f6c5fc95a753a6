/* curves.svg: the mean Insertion and Deletion curves of several methods in
 * two side-by-side panels, each curve labeled at its end with its AUC. */
#ifndef LRP_EVAL_CURVES_SVG_H
#define LRP_EVAL_CURVES_SVG_H

#include "lrp.h"

/* One method's curves; point k of a curve of n points is drawn at
 * x = k / (n - 1) (n == 1: a flat line), the x axis of the AUC, so the area
 * under the drawn curve is the AUC. Probabilities are clamped to [0,1]. */
typedef struct lrp_curve_method {
    const char *name;  /* e.g. "otsuki2024+hq" */
    const double *ins; /* (n_ins) mean insertion curve */
    int n_ins;
    const double *del; /* (n_del) mean deletion curve */
    int n_del;
    double ins_auc, del_auc; /* printed beside the name */
} lrp_curve_method;

typedef struct lrp_curve_set {
    const char *title; /* NULL: none */
    int n_methods;
    const lrp_curve_method *methods; /* (n_methods), drawn in this order */
} lrp_curve_set;

/* Writes the SVG to 'path' atomically. Colors come from the Okabe-Ito
 * palette in method order (dashed once it repeats); the bytes depend only
 * on 'set'. Non-finite values are an LRP_ERR_ARG naming the method. */
lrp_status lrp_curves_svg_write(const char *path, const lrp_curve_set *set, lrp_error *err);

#endif /* LRP_EVAL_CURVES_SVG_H */
