// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: queues in frontend memory, mapped into the backend.
 *
 * A frontend describes a queue by its geometry and a list of indirect
 * pages that hold the grant references of its buffer (see "Queues" in
 * xenibif.h).  Nothing about it is taken on trust: the geometry must fit
 * the buffer exactly, the number of pages is bounded by the protocol and
 * by a per-guest quota, references are copied out of the indirect pages
 * before they are used, and every mapping is undone if any one fails.
 *
 * A queue is reached page by page through the kernel's linear mapping of
 * each grant-mapped page: in a PV Dom0 only that mapping is updated by the
 * grant map (a vmap() of the pages builds empty entries), and copying in
 * and out with xenib_be_queue_read()/_write() is what a backend must do
 * with guest memory anyway, so that what it checks is what it uses.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <xen/grant_table.h>
#include "common.h"

/*
 * Guest pages the backend has mapped, all devices together: it must come
 * back to what live objects hold whatever a guest does (sysfs
 * grant_mapped_pages of the driver, for the tests).
 */
atomic_long_t xenib_be_grant_mapped = ATOMIC_LONG_INIT(0);

static void xenib_be_unmap_batch(struct page **pages,
				 struct gnttab_unmap_grant_ref *unmap,
				 unsigned int nr)
{
	struct gntab_unmap_queue_data work = {
		.unmap_ops = unmap,
		.pages = pages,
		.count = nr,
	};

	if (nr)
		/* Waits for anything still using the pages. */
		WARN_ON(gnttab_unmap_refs_sync(&work));
}

/*
 * Unmap @nr pages mapped by xenib_be_map_pages(), with the unmap
 * operations it prepared: one batch, and no memory needed to tear down.
 */
void xenib_be_unmap_pages(struct page **pages,
			  struct gnttab_unmap_grant_ref *unmap,
			  unsigned int nr)
{
	xenib_be_unmap_batch(pages, unmap, nr);
	atomic_long_sub(nr, &xenib_be_grant_mapped);
}

/* Unmap the one page @page mapped with @handle (error paths). */
static void xenib_be_unmap_one(struct page *page, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref unmap;

	gnttab_set_unmap_op(&unmap, (unsigned long)
			    pfn_to_kaddr(page_to_pfn(page)),
			    GNTMAP_host_map, handle);
	xenib_be_unmap_batch(&page, &unmap, 1);
}

/*
 * Map the @nr grant references @refs of domain @domid into @pages (from
 * gnttab_alloc_pages()).  @unmap (room for @nr) receives the operations
 * that undo it, for xenib_be_unmap_pages().  On failure nothing stays
 * mapped and a bad reference is -EINVAL.
 */
int xenib_be_map_pages(domid_t domid, const grant_ref_t *refs,
		       unsigned int nr, bool readonly,
		       struct page **pages,
		       struct gnttab_unmap_grant_ref *unmap)
{
	struct gnttab_map_grant_ref *map;
	u32 flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
	unsigned int i;
	int err;

	map = kvcalloc(nr, sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		gnttab_set_map_op(&map[i], (unsigned long)
				  pfn_to_kaddr(page_to_pfn(pages[i])),
				  flags, refs[i], domid);

	err = gnttab_map_refs(map, NULL, pages, nr);
	for (i = 0; !err && i < nr; i++)
		if (map[i].status != GNTST_okay)
			err = -EINVAL;	/* a bad reference from the guest */
	for (i = 0; i < nr; i++) {
		if (map[i].status != GNTST_okay)
			continue;
		if (err)
			xenib_be_unmap_one(pages[i], map[i].handle);
		else
			gnttab_set_unmap_op(&unmap[i], (unsigned long)
					    pfn_to_kaddr(page_to_pfn(pages[i])),
					    GNTMAP_host_map, map[i].handle);
	}
	kvfree(map);
	if (!err)
		atomic_long_add(nr, &xenib_be_grant_mapped);
	return err;
}

/*
 * Copy @nr_refs grant references out of the @nr_indirect indirect pages
 * whose references are @irefs (the request's, or for a two-level
 * registration those read from its top level).  The caller has checked
 * that the counts agree.
 */
int xenib_be_read_indirect(struct xenib_be *be, const u32 *irefs,
			   unsigned int nr_indirect, unsigned int nr_refs,
			   grant_ref_t *refs)
{
	struct gnttab_unmap_grant_ref *unmap;
	struct page **pages;
	grant_ref_t *gref;
	unsigned int i, left = nr_refs;
	int err = -ENOMEM;

	pages = kvcalloc(nr_indirect, sizeof(*pages), GFP_KERNEL);
	unmap = kvcalloc(nr_indirect, sizeof(*unmap), GFP_KERNEL);
	gref = kvcalloc(nr_indirect, sizeof(*gref), GFP_KERNEL);
	if (!pages || !unmap || !gref)
		goto out;
	memcpy(gref, irefs, nr_indirect * sizeof(*gref));
	err = gnttab_alloc_pages(nr_indirect, pages);
	if (err)
		goto out;
	err = xenib_be_map_pages(be->domid, gref, nr_indirect, true, pages,
				 unmap);
	if (err)
		goto out_free_pages;
	for (i = 0; i < nr_indirect; i++) {
		unsigned int n = min_t(unsigned int, left,
				       XENIB_REFS_PER_INDIRECT);

		memcpy(refs + i * XENIB_REFS_PER_INDIRECT,
		       page_address(pages[i]), n * sizeof(*refs));
		left -= n;
	}
	xenib_be_unmap_pages(pages, unmap, nr_indirect);
out_free_pages:
	gnttab_free_pages(nr_indirect, pages);
out:
	kvfree(gref);
	kvfree(unmap);
	kvfree(pages);
	return err;
}

/*
 * Map the queue the frontend described in @wire, whose geometry
 * xenib_check_ctrl_request() accepted for the request it came in.
 */
struct xenib_be_queue *xenib_be_queue_map(struct xenib_be *be,
					  const struct xenib_queue *wire)
{
	struct xenib_be_queue *q;
	grant_ref_t *refs;
	int err;

	if (be->queue_pages + wire->nr_pages > xenib_max_queue_pages)
		return ERR_PTR(-ENOMEM);

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	refs = kvcalloc(wire->nr_pages, sizeof(*refs), GFP_KERNEL);
	if (!q || !refs) {
		err = -ENOMEM;
		goto fail;
	}
	q->nr_pages = wire->nr_pages;
	q->log2_elem_size = wire->log2_elem_size;
	q->index_mask = (1U << wire->log2_slots) - 1;
	q->pages = kvcalloc(q->nr_pages, sizeof(*q->pages), GFP_KERNEL);
	q->unmap = kvcalloc(q->nr_pages, sizeof(*q->unmap), GFP_KERNEL);
	if (!q->pages || !q->unmap) {
		err = -ENOMEM;
		goto fail;
	}

	err = xenib_be_read_indirect(be, wire->indirect, wire->nr_indirect,
				     wire->nr_pages, refs);
	if (err)
		goto fail;
	err = gnttab_alloc_pages(q->nr_pages, q->pages);
	if (err)
		goto fail;
	err = xenib_be_map_pages(be->domid, refs, q->nr_pages, false,
				 q->pages, q->unmap);
	if (err)
		goto fail_free_pages;
	kvfree(refs);
	be->queue_pages += q->nr_pages;
	return q;

fail_free_pages:
	gnttab_free_pages(q->nr_pages, q->pages);
fail:
	kvfree(refs);
	if (q) {
		kvfree(q->pages);
		kvfree(q->unmap);
	}
	kfree(q);
	return ERR_PTR(err);
}

void xenib_be_queue_unmap(struct xenib_be *be, struct xenib_be_queue *q)
{
	if (!q)
		return;
	xenib_be_unmap_pages(q->pages, q->unmap, q->nr_pages);
	gnttab_free_pages(q->nr_pages, q->pages);
	be->queue_pages -= q->nr_pages;
	kvfree(q->pages);
	kvfree(q->unmap);
	kfree(q);
}

static void xenib_be_queue_copy(struct xenib_be_queue *q, size_t off,
				void *data, size_t len, bool to_queue)
{
	while (len) {
		size_t in = off & (XENIB_PAGE_SIZE - 1);
		size_t n = min_t(size_t, len, XENIB_PAGE_SIZE - in);
		void *p = page_address(q->pages[off / XENIB_PAGE_SIZE]) + in;

		if (to_queue)
			memcpy(p, data, n);
		else
			memcpy(data, p, n);
		off += n;
		data += n;
		len -= n;
	}
}

/* Copy element @idx (masked) of @q out to @dst, at most an element. */
void xenib_be_queue_read(struct xenib_be_queue *q, u32 idx, void *dst,
			 size_t len)
{
	len = min_t(size_t, len, 1U << q->log2_elem_size);
	xenib_be_queue_copy(q, xenib_queue_elem_offset(q->log2_elem_size,
						       q->index_mask, idx),
			    dst, len, false);
}

/* Copy @src into element @idx (masked) of @q, at most an element. */
void xenib_be_queue_write(struct xenib_be_queue *q, u32 idx, const void *src,
			  size_t len)
{
	len = min_t(size_t, len, 1U << q->log2_elem_size);
	xenib_be_queue_copy(q, xenib_queue_elem_offset(q->log2_elem_size,
						       q->index_mask, idx),
			    (void *)src, len, true);
}

/* The producer or consumer index of @q (byte @offset of its first page). */
u32 *xenib_be_queue_index(struct xenib_be_queue *q, unsigned int offset)
{
	return page_address(q->pages[0]) + offset;
}
