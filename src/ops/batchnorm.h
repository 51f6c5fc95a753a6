/* BatchNormalization's attributes, shared with BN folding in the rules. */
#ifndef LRP_OPS_BATCHNORM_H
#define LRP_OPS_BATCHNORM_H

typedef struct lrp_bn_params {
    float epsilon;
} lrp_bn_params;

#endif
