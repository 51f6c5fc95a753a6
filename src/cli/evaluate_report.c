/* What evaluate reports: the table on stdout (with the paired comparison
 * and each method's passes), evaluate.json with every image's values,
 * curves.svg with the mean curves, timing.json with the seconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/evaluate.h"
#include "eval/conservation_svg.h"
#include "eval/curves_svg.h"
#include "eval/stats.h"
#include "io/json_file.h"
#include "util/error.h"

/* ID = Insertion - Deletion per image, into id (n). */
static void id_scores(const eval_method *em, int n, double *id)
{
    for (int i = 0; i < n; i++)
        id[i] = em->ins[i] - em->del[i];
}

static void print_cell(const double *v, int n)
{
    double mean, se;
    lrp_mean_se(v, n, &mean, &se);
    printf("  %6.3f ± %.3f", mean, se);
}

/* ID of the first method minus each other's, per image (stats.h). */
static lrp_paired paired_with_first(const eval_run *r, int k, double *id)
{
    int n = r->n_images;
    double *first = id + n, *other = id;
    id_scores(&r->methods[0], n, first);
    id_scores(&r->methods[k], n, other);
    return lrp_paired_compare(first, other, n);
}

static void print_paired(const eval_run *r, double *id)
{
    if (r->n_methods < 2)
        return;
    printf("\n%s against each other method: ID difference per image, mean ± standard "
           "error; sign test\n",
           r->methods[0].name);
    for (int k = 1; k < r->n_methods; k++) {
        lrp_paired p = paired_with_first(r, k, id);
        printf("  vs %-34s  %+6.3f ± %.3f  wins %d, losses %d, ties %d, p = %.2g\n",
               r->methods[k].name, p.mean, p.se, p.wins, p.losses, p.ties, p.sign_p);
    }
}

static double per_image(long total, int n)
{
    return n ? (double)total / n : 0.0;
}

static void print_cost(const eval_run *r)
{
    printf("\npasses per image through the model to explain (the metric's not counted; "
           "seconds: timing.json)\n");
    for (int k = 0; k < r->n_methods; k++) {
        const eval_method *em = &r->methods[k];
        printf("  %s: %.1f forwards, %.1f backwards\n", em->name,
               per_image(em->forwards, r->n_images), per_image(em->backwards, r->n_images));
    }
}

void eval_print_table(const eval_run *r)
{
    int n = r->n_images, correct = 0;
    double *id = malloc(sizeof *id * (size_t)(2 * n + 1));
    if (!id)
        return;
    printf("%-38s  %-14s  %-14s  %-14s  %s\n", "method", "Insertion", "Deletion", "ID",
           "conservation error");
    for (int k = 0; k < r->n_methods; k++) {
        const eval_method *em = &r->methods[k];
        id_scores(em, n, id);
        printf("%-38s", em->name);
        print_cell(em->ins, n);
        print_cell(em->del, n);
        print_cell(id, n);
        double cons;
        lrp_mean_se(em->cons, n, &cons, NULL);
        em->lrp ? printf("  %+.2e\n", cons) : printf("  -\n");
    }
    for (int i = 0; i < n; i++)
        correct += r->label[i] == r->predicted[i];
    char patches[64] = "";
    if (r->patch > 1)
        snprintf(patches, sizeof patches, " (%d patches of %dx%d)",
                 r->step / (r->patch * r->patch), r->patch, r->patch);
    printf("images %d, step %d pixels%s, mean ± standard error over images; accuracy "
           "%.1f%% (%d/%d%s)\n",
           n, r->step, patches, 100.0 * correct / (n ? n : 1), correct, n,
           r->csv ? "" : "; the label is the prediction without --labels-csv");
    print_paired(r, id);
    print_cost(r);
    free(id);
}

static void json_doubles(lrp_json *j, const char *key, const double *v, int n)
{
    lrp_json_key(j, key);
    lrp_json_begin_array(j);
    for (int i = 0; i < n; i++)
        lrp_json_double(j, v[i]);
    lrp_json_end_array(j);
}

static void json_method(lrp_json *j, const eval_run *r, const eval_method *em, double *id)
{
    int n = r->n_images;
    double mean, se;
    id_scores(em, n, id);
    lrp_json_begin_object(j);
    lrp_json_key(j, "method");
    lrp_json_string(j, em->name);
    if (em->e)
        cli_json_method_fields(j, em->e);
    const double *cols[3] = {em->ins, em->del, id};
    const char *names[3] = {"insertion", "deletion", "id"};
    for (int c = 0; c < 3; c++) {
        lrp_mean_se(cols[c], n, &mean, &se);
        char key[32];
        lrp_json_key(j, names[c]);
        lrp_json_double(j, mean);
        snprintf(key, sizeof key, "%s_se", names[c]);
        lrp_json_key(j, key);
        lrp_json_double(j, se);
    }
    if (em->lrp) {
        json_doubles(j, "conservation_error", em->cons, n);
        json_doubles(j, "per_image_input_relevance", em->r_in, n); /* Fig. 5 */
        json_doubles(j, "per_image_probability", em->prob, n);
    } else { /* the method defines none */
        lrp_json_key(j, "conservation_error");
        lrp_json_null(j);
    }
    lrp_json_key(j, "forwards_per_image");
    lrp_json_double(j, per_image(em->forwards, n));
    lrp_json_key(j, "backwards_per_image");
    lrp_json_double(j, per_image(em->backwards, n));
    json_doubles(j, "per_image_insertion", em->ins, n);
    json_doubles(j, "per_image_deletion", em->del, n);
    lrp_json_end_object(j);
}

/* "paired": the first method against each other (print_paired's numbers). */
static void json_paired(lrp_json *j, const eval_run *r, double *id)
{
    lrp_json_key(j, "paired");
    lrp_json_begin_array(j);
    for (int k = 1; k < r->n_methods; k++) {
        lrp_paired p = paired_with_first(r, k, id);
        lrp_json_begin_object(j);
        lrp_json_key(j, "first");
        lrp_json_string(j, r->methods[0].name);
        lrp_json_key(j, "other");
        lrp_json_string(j, r->methods[k].name);
        lrp_json_key(j, "id_difference");
        lrp_json_double(j, p.mean);
        lrp_json_key(j, "id_difference_se");
        lrp_json_double(j, p.se);
        lrp_json_key(j, "wins");
        lrp_json_int(j, p.wins);
        lrp_json_key(j, "losses");
        lrp_json_int(j, p.losses);
        lrp_json_key(j, "ties");
        lrp_json_int(j, p.ties);
        lrp_json_key(j, "sign_test_p");
        lrp_json_double(j, p.sign_p);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
}

lrp_status eval_write_json(const eval_run *r, const char *path, lrp_error *err)
{
    double *id = malloc(sizeof *id * (size_t)(2 * r->n_images + 1));
    if (!id)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %s", path);
    lrp_json_file jf;
    lrp_status st = lrp_json_file_open(&jf, path, err);
    if (st) {
        free(id);
        return st;
    }
    lrp_json *j = &jf.j;
    lrp_json_begin_object(j);
    lrp_json_key(j, "model");
    lrp_json_string(j, r->model);
    lrp_json_key(j, "step");
    lrp_json_int(j, r->step);
    lrp_json_key(j, "patch");
    lrp_json_int(j, r->patch);
    lrp_json_key(j, "images");
    lrp_json_begin_array(j);
    for (int i = 0; i < r->n_images; i++) {
        lrp_json_begin_object(j);
        lrp_json_key(j, "file");
        lrp_json_string(j, r->files[i]);
        lrp_json_key(j, "label");
        lrp_json_int(j, r->label[i]);
        lrp_json_key(j, "predicted");
        lrp_json_int(j, r->predicted[i]);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
    lrp_json_key(j, "methods");
    lrp_json_begin_array(j);
    for (int k = 0; k < r->n_methods; k++)
        json_method(j, r, &r->methods[k], id);
    lrp_json_end_array(j);
    json_paired(j, r, id);
    lrp_json_end_object(j);
    free(id);
    return lrp_json_file_commit(&jf, path, err);
}

lrp_status eval_write_curves(const eval_run *r, const char *path, lrp_error *err)
{
    lrp_curve_method *cm = calloc((size_t)r->n_methods, sizeof *cm);
    double *means = calloc((size_t)r->n_methods * 2 * (size_t)(r->methods[0].n_points + 1),
                           sizeof *means);
    if (!cm || !means) {
        free(cm);
        free(means);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %s", path);
    }
    int points = r->methods[0].n_points;
    for (int k = 0; k < r->n_methods; k++) {
        const eval_method *em = &r->methods[k];
        double *ins = means + (size_t)k * 2 * (size_t)points, *del = ins + points;
        for (int p = 0; p < points && p < em->n_points; p++) {
            ins[p] = em->ins_curve[p] / r->n_images;
            del[p] = em->del_curve[p] / r->n_images;
        }
        cm[k] = (lrp_curve_method){.name = em->name,
                                   .ins = ins,
                                   .n_ins = points,
                                   .del = del,
                                   .n_del = points,
                                   .ins_auc = lrp_insdel_auc(ins, points),
                                   .del_auc = lrp_insdel_auc(del, points)};
    }
    char title[256];
    snprintf(title, sizeof title, "%s: mean over %d images", r->model, r->n_images);
    lrp_curve_set set = {.title = title, .n_methods = r->n_methods, .methods = cm};
    lrp_status st = lrp_curves_svg_write(path, &set, err);
    free(cm);
    free(means);
    return st;
}

lrp_status eval_write_conservation(const eval_run *r, const char *path, lrp_error *err)
{
    lrp_scatter_method *sm = calloc((size_t)r->n_methods + 1, sizeof *sm);
    if (!sm)
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory for %s", path);
    int n = 0;
    for (int k = 0; k < r->n_methods; k++)
        if (r->methods[k].relevance)
            sm[n++] = (lrp_scatter_method){.name = r->methods[k].name,
                                           .p = r->methods[k].prob,
                                           .sum = r->methods[k].r_in,
                                           .n = r->n_images};
    char title[256];
    snprintf(title, sizeof title, "%s: Σ R_in against p(ŷ), %d images", r->model, r->n_images);
    lrp_status st = n ? lrp_conservation_svg_write(path, title, sm, n, err) : LRP_OK;
    free(sm);
    return st;
}

/* key: total / timed, null when every image came from a record (timed 0). */
static void json_per_timed(lrp_json *j, const char *key, double total, int timed)
{
    lrp_json_key(j, key);
    if (timed)
        lrp_json_double(j, total / timed);
    else
        lrp_json_null(j);
}

lrp_status eval_write_timing(const eval_run *r, const char *path, lrp_error *err)
{
    lrp_json_file jf;
    lrp_status st = lrp_json_file_open(&jf, path, err);
    if (st)
        return st;
    lrp_json *j = &jf.j;
    lrp_json_begin_object(j);
    lrp_json_key(j, "images");
    lrp_json_int(j, r->n_images);
    lrp_json_key(j, "methods");
    lrp_json_begin_array(j);
    for (int k = 0; k < r->n_methods; k++) {
        lrp_json_begin_object(j);
        lrp_json_key(j, "method");
        lrp_json_string(j, r->methods[k].name);
        json_per_timed(j, "seconds_per_image", r->methods[k].seconds, r->methods[k].timed);
        /* Insertion + Deletion inputs run */
        json_per_timed(j, "curve_forwards_per_image", (double)r->methods[k].curve_forwards,
                       r->methods[k].timed);
        lrp_json_key(j, "images_timed");
        lrp_json_int(j, r->methods[k].timed);
        lrp_json_key(j, "setup_seconds"); /* once, before the first image */
        lrp_json_double(j, r->methods[k].setup_seconds);
        lrp_json_end_object(j);
    }
    lrp_json_end_array(j);
    lrp_json_end_object(j);
    return lrp_json_file_commit(&jf, path, err);
}
