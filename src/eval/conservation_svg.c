/* conservation.svg: one square panel, axes with ticks, the y = x line, a
 * dot per image and method, a legend on the right. */
#include "eval/conservation_svg.h"

#include <math.h>
#include <stdlib.h>

#include "eval/svg_buf.h"
#include "io/atomic_file.h"

enum { SIDE = 320, LEFT = 70, TOP = 50, BOTTOM = 50, LEGEND = 230, FONT = 12, TICKS = 5 };

typedef struct range {
    double lo, hi; /* of the y axis */
} range;

static range y_range(const lrp_scatter_method *m, int n_methods)
{
    range r = {0.0, 1.0};
    for (int k = 0; k < n_methods; k++)
        for (int i = 0; i < m[k].n; i++)
            if (isfinite(m[k].sum[i])) {
                r.lo = fmin(r.lo, m[k].sum[i]);
                r.hi = fmax(r.hi, m[k].sum[i]);
            }
    double step = (r.hi - r.lo) / TICKS, mag = pow(10.0, floor(log10(step)));
    step = ceil(step / mag) * mag; /* round ticks: 1, 2, .. times a power of ten */
    r.lo = floor(r.lo / step) * step;
    r.hi = r.lo + TICKS * step >= r.hi ? r.lo + TICKS * step : ceil(r.hi / step) * step;
    return r;
}

static double px(double p)
{
    return LEFT + SIDE * fmin(fmax(p, 0.0), 1.0);
}

static double py(const range *r, double v)
{
    return TOP + SIDE * (r->hi - v) / (r->hi - r->lo);
}

static void draw_axes(lrp_svg_buf *b, const range *r)
{
    lrp_svg_printf(b,
                   "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                   "stroke=\"#444\"/>\n",
                   LEFT, TOP, SIDE, SIDE);
    for (int t = 0; t <= TICKS; t++) {
        double x = (double)t / TICKS, y = r->lo + (r->hi - r->lo) * t / TICKS;
        lrp_svg_printf(b, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n",
                       px(x), TOP + SIDE + 16, x);
        lrp_svg_printf(b, "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%.3g</text>\n",
                       LEFT - 6, py(r, y) + 4, y);
    }
    lrp_svg_printf(b,
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">p(ŷ), the predicted "
                   "probability</text>\n",
                   LEFT + SIDE / 2, TOP + SIDE + 38);
    lrp_svg_printf(b,
                   "<text transform=\"translate(%d %d) rotate(-90)\" text-anchor=\"middle\">"
                   "Σ input relevance</text>\n",
                   LEFT - 48, TOP + SIDE / 2);
    double lo = fmax(0.0, r->lo), hi = fmin(1.0, r->hi); /* y = x inside the panel */
    lrp_svg_printf(b,
                   "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#888\" "
                   "stroke-dasharray=\"4 3\"/>\n",
                   px(lo), py(r, lo), px(hi), py(r, hi));
}

static void draw_method(lrp_svg_buf *b, const range *r, const lrp_scatter_method *m, int k)
{
    const char *fill = lrp_svg_dashed(k) ? "none" : lrp_svg_color(k);
    for (int i = 0; i < m->n; i++)
        if (isfinite(m->p[i]) && isfinite(m->sum[i]))
            lrp_svg_printf(b,
                           "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\" "
                           "stroke=\"%s\" fill-opacity=\"0.6\"/>\n",
                           px(m->p[i]), py(r, m->sum[i]), fill, lrp_svg_color(k));
    int y = TOP + 10 + 18 * k;
    lrp_svg_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\" stroke=\"%s\"/>\n",
                   LEFT + SIDE + 20, y, fill, lrp_svg_color(k));
    lrp_svg_printf(b, "<text x=\"%d\" y=\"%d\">", LEFT + SIDE + 30, y + 4);
    lrp_svg_escaped(b, m->name);
    lrp_svg_printf(b, "</text>\n");
}

lrp_status lrp_conservation_svg_write(const char *path, const char *title,
                                      const lrp_scatter_method *methods, int n_methods,
                                      lrp_error *err)
{
    range r = y_range(methods, n_methods);
    lrp_svg_buf b = {0};
    lrp_svg_printf(&b,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "font-family=\"sans-serif\" font-size=\"%d\">\n<rect width=\"100%%\" "
                   "height=\"100%%\" fill=\"white\"/>\n",
                   LEFT + SIDE + LEGEND, TOP + SIDE + BOTTOM, FONT);
    if (title) {
        lrp_svg_printf(&b, "<text x=\"%d\" y=\"24\">", LEFT);
        lrp_svg_escaped(&b, title);
        lrp_svg_printf(&b, "</text>\n");
    }
    draw_axes(&b, &r);
    for (int k = 0; k < n_methods; k++)
        draw_method(&b, &r, &methods[k], k);
    lrp_svg_printf(&b, "</svg>\n");
    lrp_status st = b.failed ? lrp_error_set(err, LRP_ERR_NOMEM, "building %s", path)
                             : lrp_write_file_atomic(path, b.p, b.len, err);
    free(b.p);
    return st;
}
