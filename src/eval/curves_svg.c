/* curves.svg: layout, axes, curves and end labels nudged apart, printed with
 * fixed precision into a buffer that is then written atomically. */
#include "eval/curves_svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/svg_buf.h"
#include "io/atomic_file.h"
#include "util/error.h"

/* ---- layout ------------------------------------------------------------- */

enum {
    PLOT_W = 300, /* plot area of one panel */
    PLOT_H = 260,
    MARGIN_L = 62,  /* y tick labels and the y axis title */
    LEAD = 30,      /* room for the leader lines from curve ends to labels */
    TOP = 70,       /* the title and the panel titles */
    BOTTOM = 52,    /* x tick labels and the x axis title */
    LABEL_GAP = 15, /* vertical distance between labels */
    FONT = 12,
};

typedef struct svg_layout {
    int panel_w, label_w, width, height;
    int label_span; /* labels lie in [TOP + 4, TOP + 4 + label_span] */
} svg_layout;

static svg_layout make_layout(const lrp_curve_set *set)
{
    size_t longest = 0;
    for (int i = 0; i < set->n_methods; i++) {
        size_t len = strlen(set->methods[i].name) + 6; /* + " 0.563" */
        longest = len > longest ? len : longest;
    }
    svg_layout lay;
    lay.label_w = (int)ceil((double)longest * FONT * 0.56) +
                  12; /* DejaVu Sans averages ~0.52 em */
    lay.panel_w = MARGIN_L + PLOT_W + LEAD + lay.label_w;
    lay.width = 2 * lay.panel_w;
    int stack = set->n_methods > 1 ? (set->n_methods - 1) * LABEL_GAP : 0;
    lay.label_span = stack > PLOT_H - 8 ? stack : PLOT_H - 8;
    lay.height = TOP + (lay.label_span + 8 > PLOT_H ? lay.label_span + 8 : PLOT_H) + BOTTOM;
    return lay;
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* Pixel coordinates of (x, y) in [0,1]^2 in the panel whose plot starts at left. */
static double px(int left, double x)
{
    return left + x * PLOT_W;
}

static double py(double y)
{
    return TOP + (1.0 - clamp01(y)) * PLOT_H;
}

/* ---- drawing -------------------------------------------------------------- */

static void draw_grid(lrp_svg_buf *b, int left)
{
    static const char *const ticks[] = {"0", "0.25", "0.5", "0.75", "1"};
    for (int t = 0; t < 5; t++) {
        double v = t / 4.0, x = px(left, v), y = py(v);
        lrp_svg_printf(
            b, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#e5e5e5\"/>\n", x,
            TOP, x, TOP + PLOT_H);
        lrp_svg_printf(
            b, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", left,
            y, left + PLOT_W, y);
        lrp_svg_printf(b, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                       TOP + PLOT_H + 17, ticks[t]);
        lrp_svg_printf(b, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", left - 6,
                       y + 4, ticks[t]);
    }
    lrp_svg_printf(b,
                   "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                   "stroke=\"#444\"/>\n",
                   left, TOP, PLOT_W, PLOT_H);
}

/* The frame, grid, ticks and titles of one panel. */
static void draw_axes(lrp_svg_buf *b, int left, const char *title, const char *verb)
{
    draw_grid(b, left);
    lrp_svg_printf(b,
                   "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
                   "font-weight=\"bold\">%s</text>\n",
                   px(left, 0.5), TOP - 10, title);
    lrp_svg_printf(b,
                   "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">fraction of pixels %s"
                   "</text>\n",
                   px(left, 0.5), TOP + PLOT_H + 38, verb);
    double cx = left - 44, cy = TOP + PLOT_H / 2.0;
    lrp_svg_printf(b,
                   "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" "
                   "transform=\"rotate(-90 %.2f %.2f)\">probability of the label</text>\n",
                   cx, cy, cx, cy);
}

static void draw_curve(lrp_svg_buf *b, int left, const double *y, int n, int color)
{
    lrp_svg_printf(b,
                   "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                   "stroke-linejoin=\"round\"%s points=\"",
                   lrp_svg_color(color),
                   lrp_svg_dashed(color) ? " stroke-dasharray=\"6 3\"" : "");
    for (int k = 0; k < n; k++) {
        double x = n > 1 ? (double)k / (n - 1) : 0.0;
        lrp_svg_printf(b, "%s%.2f,%.2f", k ? " " : "", px(left, x), py(y[k]));
    }
    if (n == 1)
        lrp_svg_printf(b, " %.2f,%.2f", px(left, 1.0), py(y[0]));
    lrp_svg_printf(b, "\"/>\n");
}

/* pos (n) = label centers near want (n) but at least LABEL_GAP apart, within
 * [lo, hi] when they fit: a pass down pushes apart, a pass up pulls back.
 * order (n) is scratch. */
static void place_labels(const double *want, int n, double lo, double hi, double *pos,
                         int *order)
{
    for (int i = 0; i < n; i++) { /* insertion sort by want, stable */
        int j = i;
        for (; j > 0 && want[order[j - 1]] > want[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (int r = 0; r < n; r++) {
        double floor_y = r ? pos[order[r - 1]] + LABEL_GAP : lo;
        pos[order[r]] = want[order[r]] > floor_y ? want[order[r]] : floor_y;
    }
    for (int r = n - 1; r >= 0; r--) {
        double ceil_y = r < n - 1 ? pos[order[r + 1]] - LABEL_GAP : hi;
        pos[order[r]] = pos[order[r]] < ceil_y ? pos[order[r]] : ceil_y;
    }
}

/* "name 0.563" at the right of the plot, joined to the curve's end. */
static void draw_label(lrp_svg_buf *b, int left, double end_y, double label_y, const char *name,
                       double auc, int color)
{
    double x_end = px(left, 1.0), x_text = x_end + LEAD;
    lrp_svg_printf(b,
                   "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1\" "
                   "points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
                   lrp_svg_color(color), x_end, end_y, x_end + 8, end_y, x_text - 4, label_y);
    lrp_svg_printf(b, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\">", x_text, label_y + 4,
                   lrp_svg_color(color));
    lrp_svg_escaped(b, name);
    lrp_svg_printf(b, " %.3f</text>\n", auc);
}

/* One panel: axes, every method's curve, then the labels on top. */
static void draw_panel(lrp_svg_buf *b, const svg_layout *lay, const lrp_curve_set *set,
                       bool deletion)
{
    int left = (deletion ? lay->panel_w : 0) + MARGIN_L, n = set->n_methods;
    draw_axes(b, left,
              deletion ? "Deletion (lower AUC is better)" : "Insertion (higher AUC is better)",
              deletion ? "deleted" : "inserted");
    double *want = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *want);
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    if (!want || !order) {
        b->failed = true;
        free(want);
        free(order);
        return;
    }
    double *pos = want + n; /* want (n), pos (n): label centers in pixels */
    for (int i = 0; i < n; i++) {
        const lrp_curve_method *m = &set->methods[i];
        const double *y = deletion ? m->del : m->ins;
        int len = deletion ? m->n_del : m->n_ins;
        draw_curve(b, left, y, len, i);
        want[i] = py(y[len - 1]);
    }
    place_labels(want, n, TOP + 4, TOP + 4 + lay->label_span, pos, order);
    for (int i = 0; i < n; i++) {
        const lrp_curve_method *m = &set->methods[i];
        draw_label(b, left, want[i], pos[i], m->name, deletion ? m->del_auc : m->ins_auc, i);
    }
    free(want);
    free(order);
}

/* ---- checks and the file -------------------------------------------------- */

static bool all_finite(const double *v, int n)
{
    for (int k = 0; k < n; k++)
        if (!isfinite(v[k]))
            return false;
    return true;
}

static lrp_status check_set(const char *path, const lrp_curve_set *set, lrp_error *err)
{
    if (!path || !set || set->n_methods < 0 || (set->n_methods > 0 && !set->methods))
        return lrp_error_set(err, LRP_ERR_ARG, "curves.svg: no set of curves");
    for (int i = 0; i < set->n_methods; i++) {
        const lrp_curve_method *m = &set->methods[i];
        if (!m->name || !m->ins || !m->del || m->n_ins < 1 || m->n_del < 1)
            return lrp_error_set(err, LRP_ERR_ARG, "curves.svg: method %d has no name or curve",
                                 i);
        if (!all_finite(m->ins, m->n_ins) || !all_finite(m->del, m->n_del) ||
            !isfinite(m->ins_auc) || !isfinite(m->del_auc))
            return lrp_error_set(err, LRP_ERR_ARG,
                                 "curves.svg: method '%s' has a non-finite value", m->name);
    }
    return LRP_OK;
}

static void draw_document(lrp_svg_buf *b, const lrp_curve_set *set)
{
    svg_layout lay = make_layout(set);
    lrp_svg_printf(b,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"%d\">\n",
                   lay.width, lay.height, lay.width, lay.height, FONT);
    lrp_svg_printf(b, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    if (set->title) {
        lrp_svg_printf(b,
                       "<text x=\"%.2f\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" "
                       "font-weight=\"bold\">",
                       lay.width / 2.0);
        lrp_svg_escaped(b, set->title);
        lrp_svg_printf(b, "</text>\n");
    }
    draw_panel(b, &lay, set, false);
    draw_panel(b, &lay, set, true);
    lrp_svg_printf(b, "</svg>\n");
}

lrp_status lrp_curves_svg_write(const char *path, const lrp_curve_set *set, lrp_error *err)
{
    lrp_status st = check_set(path, set, err);
    if (st != LRP_OK)
        return st;
    lrp_svg_buf b = {0};
    draw_document(&b, set);
    if (b.failed)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "curves.svg: building %s", path);
    else
        st = lrp_write_file_atomic(path, b.p, b.len, err);
    free(b.p);
    return st;
}
