/* A residual split point as lrp_pass_residual (passes/) finds it and the
 * split rule (rules/) reads it: values and nodes are indices into the graph. */
#ifndef LRP_GRAPH_RESIDUAL_H
#define LRP_GRAPH_RESIDUAL_H

typedef enum lrp_shortcut_kind {
    LRP_SHORTCUT_IDENTITY,   /* S is the block input B itself */
    LRP_SHORTCUT_PROJECTION, /* S = a chain of per-sample linear ops on B (method §8) */
} lrp_shortcut_kind;

typedef struct lrp_residual {
    int node;          /* the Add */
    int mainstream;    /* value M: the residual branch, which leads back to B */
    int shortcut;      /* value S */
    int block_input;   /* value B */
    int shortcut_conv; /* the projection chain's last Conv, -1 for identity or none */
    lrp_shortcut_kind kind;
} lrp_residual;

#endif
