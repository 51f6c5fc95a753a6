/* One image: decode, preprocess, explain its top-k classes, write the
 * heatmap, overlay and relevance files, and describe it for the terminal
 * and report.json. Runs on a worker thread with its own explainer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/render.h"
#include "cli/conservation_check.h"
#include "cli/image_job.h"
#include "io/image.h"
#include "io/npy.h"
#include "io/png.h"
#include "util/error.h"
#include "util/text.h"

/* Everything one image's explanations share. */
typedef struct job {
    const image_setup *s;
    const cli_input *in;
    lrp_explainer *e;
    lrp_array x;        /* (1, C, H, W) */
    lrp_image display;  /* the preprocessed image, for overlays */
    FILE *lines, *json; /* memstreams into res->line, res->json_lines */
    image_result *res;
    bool warned; /* about lost relevance: once per image */
} job;

static const char *class_name(const image_setup *s, int c, char *buf, size_t size)
{
    if (c < s->n_labels)
        return s->labels[c];
    snprintf(buf, size, "class %d", c);
    return buf;
}

/* "<dir>/<stem>[.class-<c>].<what>" */
static void out_path(const job *jb, int target, const char *what, char *buf, size_t size)
{
    if (jb->s->o->topk > 1)
        snprintf(buf, size, "%s/%s.class-%d.%s", jb->s->o->out_dir, jb->in->stem, target, what);
    else
        snprintf(buf, size, "%s/%s.%s", jb->s->o->out_dir, jb->in->stem, what);
}

/* The heatmap and overlay PNGs (and the relevance .npy) of one explanation. */
static lrp_status write_pictures(const job *jb, const lrp_array *r, int target,
                                 char paths[3][4096], lrp_error *err)
{
    const explain_opts *o = jb->s->o;
    int c = (int)r->dims[1], h = (int)r->dims[2], w = (int)r->dims[3];
    size_t hw = (size_t)h * (size_t)w;
    uint8_t *heat = malloc(hw * 3), *over = malloc(hw * 3);
    lrp_status st = heat && over
                        ? lrp_render_pictures(r->data, c, h, w, (lrp_colormap)o->colormap,
                                              o->quantize, o->positive, (float)o->overlay_alpha,
                                              jb->display.data, heat, over, err)
                        : lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (st == LRP_OK) {
        out_path(jb, target, "heatmap.png", paths[0], sizeof paths[0]);
        out_path(jb, target, "overlay.png", paths[1], sizeof paths[1]);
        st = lrp_png_write(paths[0], heat, w, h, 3, err);
    }
    if (st == LRP_OK)
        st = lrp_png_write(paths[1], over, w, h, 3, err);
    if (st == LRP_OK && o->save_relevance) {
        out_path(jb, target, "relevance.npy", paths[2], sizeof paths[2]);
        st = lrp_npy_write(paths[2], LRP_NPY_FLOAT32, 3, r->dims + 1, r->data, err);
    }
    free(heat);
    free(over);
    return st;
}

/* One explanation as a JSON object (for report.json and --json). */
static char *explanation_json(const job *jb, const lrp_report *rep, int rank,
                              char paths[3][4096], bool wrote)
{
    char *buf = NULL, name[32];
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    lrp_image_report ir = lrp_report_image(rep, 0);
    lrp_json j;
    lrp_json_init(&j, f, 0);
    lrp_json_begin_object(&j);
    lrp_json_key(&j, "file");
    lrp_json_string(&j, jb->in->path);
    lrp_json_key(&j, "rank");
    lrp_json_int(&j, rank);
    lrp_json_key(&j, "class_name");
    lrp_json_string(&j, class_name(jb->s, ir.target, name, sizeof name));
    lrp_json_key(&j, "probability");
    lrp_json_double(&j, ir.probability);
    cli_json_image_fields(&j, rep, 0, jb->e, lrp_report_forward_ms(rep),
                          lrp_report_explain_ms(rep));
    lrp_json_key(&j, "outputs");
    lrp_json_begin_object(&j);
    const char *keys[3] = {"heatmap", "overlay", "relevance"};
    for (int k = 0; wrote && k < 3; k++)
        if (paths[k][0]) {
            lrp_json_key(&j, keys[k]);
            lrp_json_string(&j, paths[k]);
        }
    lrp_json_end_object(&j);
    lrp_json_end_object(&j);
    fclose(f);
    return buf;
}

/* The terminal line of one explanation, with where the relevance went and
 * a warning when most of it was lost; false when the method defines no
 * conservation (the line then names the class only). */
static bool describe(job *jb, const lrp_report *rep, int rank)
{
    lrp_image_report ir = lrp_report_image(rep, 0);
    char name[32], losses[96], path[1024], shown[512]; /* a label can come from the metadata */
    lrp_text_escape(path, sizeof path, jb->in->path);
    lrp_text_escape(shown, sizeof shown, class_name(jb->s, ir.target, name, sizeof name));
    fprintf(jb->lines, "%s: %s%s (p %.4f)", path, rank ? "  also " : "", shown, ir.probability);
    if (!lrp_explainer_conserves(jb->e)) {
        fputc('\n', jb->lines);
        return false;
    }
    cli_relevance_losses(&ir, losses, sizeof losses);
    fprintf(jb->lines, "  sum R_in %.6g of %.6g (%s)  conservation error %+.3e\n",
            ir.input_relevance_sum, ir.output_relevance, losses, ir.conservation_error);
    if (!jb->warned)
        jb->warned = cli_warn_lost_relevance(&ir, jb->in->path);
    return true;
}

static bool add_output(image_result *res, const char *name)
{
    char **grown = realloc(res->outputs, sizeof *grown * (size_t)(res->n_outputs + 1));
    if (grown)
        res->outputs = grown;
    return grown && (grown[res->n_outputs] = strdup(name)) && ++res->n_outputs;
}

static lrp_status record(job *jb, const lrp_report *rep, int rank, char paths[3][4096],
                         lrp_error *err)
{
    image_result *res = jb->res;
    char *obj = explanation_json(jb, rep, rank, paths, jb->s->o->out_dir != NULL);
    char **grown = realloc(res->objects, sizeof *grown * (size_t)(res->n_objects + 1));
    if (!obj || !grown) {
        free(obj);
        if (grown)
            res->objects = grown;
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    res->objects = grown;
    res->objects[res->n_objects++] = obj;
    fprintf(jb->json, "%s\n", obj);
    size_t dir_len = jb->s->o->out_dir ? strlen(jb->s->o->out_dir) + 1 : 0;
    for (int k = 0; dir_len && k < 3; k++)
        if (paths[k][0] && !add_output(res, paths[k] + dir_len))
            return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (!describe(jb, rep, rank))
        return LRP_OK;
    double tol = jb->s->o->check_tol;
    if (tol >= 0 && cli_check_conservation(rep, 0, tol, jb->in->path))
        res->not_conserved = true;
    return LRP_OK;
}

/* Explains class 'target' (< 0: top-1); *rep is the caller's. */
static lrp_status explain_one(job *jb, int target, int rank, lrp_report **rep, lrp_error *err)
{
    lrp_array r = {0};
    char paths[3][4096] = {{0}};
    lrp_status st = lrp_explainer_set_target(jb->e, target, err);
    if (st == LRP_OK)
        st = lrp_explain(jb->e, &jb->x, &r, rep, err);
    if (st == LRP_OK)
        st = lrp_relevance_to_planes(&jb->s->input, &r, err);
    if (st == LRP_OK && jb->s->o->out_dir)
        st = write_pictures(jb, &r, lrp_report_image(*rep, 0).target, paths, err);
    if (st == LRP_OK)
        st = record(jb, *rep, rank, paths, err);
    lrp_array_free(&r);
    return st;
}

/* Classes by decreasing logit: order[0..n). */
static void rank_classes(const lrp_image_report *ir, int *order)
{
    for (int k = 0; k < ir->n_classes; k++) {
        int pos = k;
        while (pos > 0 && ir->logits[order[pos - 1]] < ir->logits[k]) {
            order[pos] = order[pos - 1];
            pos--;
        }
        order[pos] = k;
    }
}

static lrp_status explain_topk(job *jb, lrp_error *err)
{
    const explain_opts *o = jb->s->o;
    lrp_report *rep = NULL;
    lrp_status st = explain_one(jb, o->config.target, 0, &rep, err);
    if (st || o->topk <= 1) {
        lrp_report_free(rep);
        return st;
    }
    lrp_image_report ir = lrp_report_image(rep, 0);
    int *order = malloc(sizeof *order * (size_t)ir.n_classes);
    if (!order)
        st = lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    if (order)
        rank_classes(&ir, order);
    for (int k = 1; st == LRP_OK && k < o->topk && k < ir.n_classes; k++) {
        lrp_report *more = NULL;
        st = explain_one(jb, order[k], k, &more, err);
        lrp_report_free(more);
    }
    free(order);
    lrp_report_free(rep);
    lrp_explainer_set_target(jb->e, o->config.target, NULL);
    return st;
}


void image_job_run(const image_setup *s, lrp_explainer *e, const cli_input *in,
                   image_result *res)
{
    lrp_error err = {0};
    size_t line_size = 0, json_size = 0;
    job jb = {.s = s, .in = in, .e = e, .res = res};
    jb.lines = open_memstream(&res->line, &line_size);
    jb.json = open_memstream(&res->json_lines, &json_size);
    lrp_status st = jb.lines && jb.json ? image_setup_load(s, in->path, &jb.x, &jb.display,
                                                           &res->conversions, &err)
                                        : lrp_error_set(&err, LRP_ERR_NOMEM, "out of memory");
    if (st == LRP_OK)
        st = explain_topk(&jb, &err);
    if (jb.lines)
        fclose(jb.lines);
    if (jb.json)
        fclose(jb.json);
    if (st)
        res->error = strdup(err.message);
    lrp_array_free(&jb.x);
    lrp_image_free(&jb.display);
}

void image_result_clear(image_result *res)
{
    free(res->error);
    free(res->line);
    free(res->json_lines);
    for (int k = 0; k < res->n_objects; k++)
        free(res->objects[k]);
    free(res->objects);
    for (int k = 0; k < res->n_outputs; k++)
        free(res->outputs[k]);
    free(res->outputs);
    memset(res, 0, sizeof *res);
}
