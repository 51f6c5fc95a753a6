/* What explain says about an image's conservation: --check-conservation's
 * verdict, where the missing relevance went, the stabilizer warning. Used by
 * both modes (cmd_explain.c: tensors, image_job.c: images). */
#include "cli/conservation_check.h"

#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "util/text.h"

int cli_check_conservation(const lrp_report *rep, int i, double tol, const char *what)
{
    lrp_image_report ir = lrp_report_image(rep, i);
    if (fabs(ir.conservation_error) <= tol)
        return CLI_OK;
    int worst = 0;
    for (int s = 0; s < lrp_report_steps(rep); s++) {
        double leak = fabs(lrp_report_step(rep, i, s).leak);
        if (leak > tol) {
            worst = s;
            break;
        }
        if (leak > fabs(lrp_report_step(rep, i, worst).leak))
            worst = s;
    }
    lrp_node_flow f = lrp_report_step(rep, i, worst);
    char node[512], shown[1024];
    fprintf(stderr,
            "onnx-lrp: relevance not conserved for %s: error %+.3e > %g; first leak at node "
            "'%s' (%s, rule %s): %+.3e\n",
            lrp_text_escape(shown, sizeof shown, what), ir.conservation_error, tol,
            lrp_text_escape(node, sizeof node, f.node), f.op, f.rule, f.leak);
    return CLI_NOT_CONSERVED;
}

/* share of R_out in R_out's units, 0 below the 3 digits shown */
static double share(double fraction, double r_out)
{
    return fabs(fraction) < 5e-4 ? 0.0 : fraction * r_out;
}

void cli_relevance_losses(const lrp_image_report *ir, char *buf, size_t size)
{
    double bias = share(ir->bias_loss, ir->output_relevance);
    snprintf(buf, size, "biases %s %.3g, the stabilizer %.3g", bias < 0 ? "gave" : "took",
             fabs(bias), share(ir->stabilizer_loss, ir->output_relevance));
}

bool cli_warn_lost_relevance(const lrp_image_report *ir, const char *what)
{
    if (!(ir->stabilizer_loss > CLI_STABILIZER_LOSS_WARN))
        return false;
    char shown[1024];
    fprintf(
        stderr,
        "onnx-lrp: warning: %s: the stabilizer swallowed %.0f%% of the relevance (more than "
        "%.0f%%): the rules found almost nothing to pass it on to; is the model a ResNet "
        "the method covers?\n",
        lrp_text_escape(shown, sizeof shown, what), 100.0 * ir->stabilizer_loss,
        100.0 * CLI_STABILIZER_LOSS_WARN);
    return true;
}
