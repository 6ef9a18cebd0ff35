/* Intrusive circular doubly linked lists: O(1) insert and unlink with no
 * allocation. A list head is a node whose links point at itself when empty.
 * Used for the run queue, wait queues and per-thread resource lists. */
#ifndef NSX_LIST_H
#define NSX_LIST_H

#include <stddef.h>

struct nsx_list {
  struct nsx_list *prev, *next;
};

#define NSX_LIST_INIT(head) { &(head), &(head) }
#define nsx_list_entry(ptr, type, member) \
  ((type *)((char *)(ptr) - offsetof(type, member)))
#define nsx_list_foreach_safe(it, tmp, head)                           \
  for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head);        \
       (it) = (tmp), (tmp) = (it)->next)

static inline void nsx_list_init(struct nsx_list *head) {
  head->prev = head->next = head;
}

static inline int nsx_list_empty(const struct nsx_list *head) {
  return head->next == head;
}

/* A node that is not on any list points at itself; nsx_list_unlink keeps
 * that true, so unlinking twice is harmless. */
static inline int nsx_list_linked(const struct nsx_list *node) {
  return node->next != node;
}

static inline void nsx_list_insert_tail(struct nsx_list *head,
                                        struct nsx_list *node) {
  node->prev = head->prev;
  node->next = head;
  head->prev->next = node;
  head->prev = node;
}

static inline void nsx_list_insert_head(struct nsx_list *head,
                                        struct nsx_list *node) {
  node->next = head->next;
  node->prev = head;
  head->next->prev = node;
  head->next = node;
}

static inline void nsx_list_unlink(struct nsx_list *node) {
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->prev = node->next = node;
}

static inline struct nsx_list *nsx_list_first(const struct nsx_list *head) {
  return nsx_list_empty(head) ? NULL : head->next;
}

static inline struct nsx_list *nsx_list_last(const struct nsx_list *head) {
  return nsx_list_empty(head) ? NULL : head->prev;
}

/* Moves every node of 'from' to the tail of 'to', leaving 'from' empty. */
static inline void nsx_list_splice(struct nsx_list *to,
                                   struct nsx_list *from) {
  if (nsx_list_empty(from)) return;
  from->next->prev = to->prev;
  to->prev->next = from->next;
  from->prev->next = to;
  to->prev = from->prev;
  nsx_list_init(from);
}

#endif
