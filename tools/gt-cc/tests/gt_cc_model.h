/* For gt-cc test programs whose mutators keep a model of their GC data in
 * malloc'd memory and compare the two (gt_cc_gc_mutate_test.c,
 * gt_cc_gc_cycle_test.c). The includer defines SLOTS (the slots of a
 * mutator's array) and `struct node` with `long id, val; node_ref other;`
 * (node_ref: struct node GT_GC *) before including it. */
#pragma once

#include <stdlib.h>

/* One mutator's model: which node each slot holds, and by node id (the
 * mutator's own numbering) each node's value and the id its `other` names
 * (-1: null). */
struct model {
  long slot[SLOTS];
  long *val, *other;
  long cap;
};

/* A new node `id` (the model's next) with value val and no `other`. */
static node_ref model_make(struct model *m, long id, long val) {
  if (id == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 1024;
    m->val = realloc(m->val, m->cap * sizeof *m->val);
    m->other = realloc(m->other, m->cap * sizeof *m->other);
    if (!m->val || !m->other)
      abort();
  }
  node_ref n = gt_new(struct node);
  n->id = id;
  n->val = val;
  m->val[id] = val;
  m->other[id] = -1;
  return n;
}

/* The slots (and the nodes they hold, and those nodes' `other`) that
 * differ from the model. */
static long model_mismatches(node_ref GT_GC *slots, const struct model *m) {
  long bad = 0;
  for (int i = 0; i < SLOTS; ++i) {
    node_ref n = slots[i];
    long id = m->slot[i];
    if (n->id != id || n->val != m->val[id])
      ++bad;
    else if (m->other[id] < 0 ? n->other != 0
                              : !n->other || n->other->id != m->other[id] ||
                                    n->other->val != m->val[m->other[id]])
      ++bad;
  }
  return bad;
}

static void model_free(struct model *m) {
  free(m->val);
  free(m->other);
  free(m);
}
