/* Explain one image with onnx-lrp: explain MODEL IMAGE HEATMAP.png
 * cc explain.c $(pkg-config --cflags --libs onnx-lrp) -o explain */
#include <stdio.h>
#include <stdlib.h>

#include <lrp.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL IMAGE HEATMAP.png\n", argv[0]);
        return 2;
    }
    lrp_error err = {0};
    lrp_model *model = NULL;
    lrp_explainer *explainer = NULL;
    lrp_report *report = NULL;
    lrp_array x = {0}, relevance = {0};
    lrp_preprocessing pre;
    lrp_config config;
    lrp_heatmap_style style;
    uint8_t *rgb = NULL;
    int status = 0;
    lrp_preprocessing_init(&pre);   /* resize, crop, mean and std: the model's */
    lrp_config_init(&config);       /* the default preset, epsilon-plus-flat */
    lrp_heatmap_style_init(&style); /* bwr, as onnx-lrp explain draws it */
    if (!lrp_model_load(argv[1], &model, &err) &&
        !lrp_preprocessing_for_model(model, &pre, &err) &&
        !lrp_image_load_input(&pre, argv[2], &x, NULL, &err) &&
        !lrp_explainer_new(model, &config, &explainer, &err) &&
        !lrp_explain(explainer, &x, &relevance, &report, &err) &&
        !lrp_relevance_to_planes(&pre, &relevance, &err) && /* NHWC, batch: (1, C, H, W) */
        (rgb = malloc((size_t)pre.crop_h * (size_t)pre.crop_w * 3)) &&
        !lrp_render_heatmap(&relevance, &style, rgb, &err) &&
        !lrp_png_save(argv[3], rgb, pre.crop_w, pre.crop_h, 3, &err)) {
        lrp_image_report r = lrp_report_image(report, 0);
        printf("onnx-lrp %s: class %d (p = %.4f), R_out %g, sum R_in %g, conservation error "
               "%.3e\n",
               lrp_version(), r.target, r.probability, r.output_relevance,
               r.input_relevance_sum, r.conservation_error);
    } else {
        fprintf(stderr, "explain: %s\n", err.status ? err.message : "out of memory");
        status = 1;
    }
    free(rgb);
    lrp_array_free(&relevance);
    lrp_array_free(&x);
    lrp_report_free(report);
    lrp_explainer_free(explainer);
    lrp_model_free(model);
    return status;
}
