/* What evaluate reports: the table on stdout, evaluate.json with every
 * image's values, and curves.svg with the mean curves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/evaluate.h"
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

void eval_print_table(const eval_run *r)
{
    int n = r->n_images, correct = 0;
    double *id = malloc(sizeof *id * (size_t)(n > 0 ? n : 1));
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
    printf("images %d, step %d pixels, mean ± standard error over images; accuracy "
           "%.1f%% (%d/%d%s)\n",
           n, r->step, 100.0 * correct / (n ? n : 1), correct, n,
           r->csv ? "" : "; the label is the prediction without --labels-csv");
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
    } else { /* the method defines none */
        lrp_json_key(j, "conservation_error");
        lrp_json_null(j);
    }
    json_doubles(j, "per_image_insertion", em->ins, n);
    json_doubles(j, "per_image_deletion", em->del, n);
    lrp_json_end_object(j);
}

lrp_status eval_write_json(const eval_run *r, const char *path, lrp_error *err)
{
    double *id = malloc(sizeof *id * (size_t)(r->n_images + 1));
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
        cm[k] = (lrp_curve_method){.name = em->name, .ins = ins, .n_ins = points, .del = del,
                                   .n_del = points, .ins_auc = lrp_insdel_auc(ins, points),
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
