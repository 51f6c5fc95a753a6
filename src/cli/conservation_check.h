/* Conservation messages of onnx-lrp explain (conservation_check.c). */
#ifndef LRP_CLI_CONSERVATION_CHECK_H
#define LRP_CLI_CONSERVATION_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lrp.h"

/* Exit 3 (CLI_NOT_CONSERVED) when image i of rep does not conserve
 * within tol, naming the first node whose leak exceeds it; 'what' names
 * the image in the message. */
int cli_check_conservation(const lrp_report *rep, int i, double tol, const char *what);

/* Relevance the stabilizers may swallow (relative to R_out) before explain
 * warns, with or without --check-conservation: what is lost where z ≈ 0
 * rather than to biases, i.e. the rules found almost nothing to pass on.
 * Measured: at most 0.072 on the README's sample runs (otsuki2024; 0.000
 * with the default preset, whose 0.26..0.74 losses go to biases), at most
 * 0.58 on the test fixtures and golden models (resnext, otsuki2024), 1.00 on a
 * random-weight torchvision mobilenet_v2. */
#define CLI_STABILIZER_LOSS_WARN 0.8

/* "biases took 0.55, the stabilizer 0.01": where image ir's missing
 * relevance went, in units of R_out's. */
void cli_relevance_losses(const lrp_image_report *ir, char *buf, size_t size);

/* Warns on stderr when the stabilizers swallowed more than
 * CLI_STABILIZER_LOSS_WARN of image ir's relevance; true if it did. 'what'
 * names the image. */
bool cli_warn_lost_relevance(const lrp_image_report *ir, const char *what);

#endif
