// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: queue memory shared by a guest process and the backend.
 *
 * A queue is a set of pages in rxe's rxe_queue_buf layout: mapped into the
 * process through the device's mmap (the rxe provider maps what the create
 * response's mminfo names) and granted to the backend.  Each page is its
 * own allocation, so that ending a grant can hand it to
 * gnttab_end_foreign_access(), which frees it only once the backend has
 * let go, and the process's mapping holds its own references.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <rdma/rdma_user_rxe.h>
#include <rdma/uverbs_ioctl.h>
#include "common.h"
#include <xenib/rules.h>

struct xenib_mmap_entry {
	struct rdma_user_mmap_entry rdma;
	struct page **pages;
	unsigned int nr_pages;
};

static struct xenib_mmap_entry *
to_xentry(struct rdma_user_mmap_entry *entry)
{
	return container_of(entry, struct xenib_mmap_entry, rdma);
}

/*
 * The guest's grant table is full.  Xen refuses a domain more grant frames
 * than its own gnttab_max_frames (default 64): "xl create" fails with
 * "Invalid argument" for a larger max_grant_frames, so both are named.
 */
void xenib_fe_out_of_grants(struct xenib_fe *fe, const char *what,
			    unsigned int nr_pages)
{
	dev_warn_ratelimited(&fe->dev->dev,
			     "out of grant references for a %u-page %s: raise max_grant_frames in the guest's xl config, and Xen's gnttab_max_frames (hypervisor command line, default 64) to at least as much\n",
			     nr_pages, what);
}

/*
 * Allocate and grant a queue of at least *@num_elem elements of @elem_size
 * bytes, sized as rxe sizes its queues: elements padded to a power of two
 * of at least a cache line, a power-of-two number of slots with one kept
 * free.  *@num_elem becomes the capacity.
 */
int xenib_fe_queue_alloc(struct xenib_fe *fe, struct xenib_fe_queue *q,
			 u32 *num_elem, size_t elem_size)
{
	domid_t domid = fe->dev->otherend_id;
	struct rxe_queue_buf *hdr;
	unsigned int i;
	u64 nr_pages;
	int ref;

	memset(q, 0, sizeof(*q));
	q->log2_elem_size = xenib_queue_elem_log2(elem_size);
	if (q->log2_elem_size > XENIB_QUEUE_MAX_ELEM_LOG2 ||
	    *num_elem >= 1U << XENIB_QUEUE_MAX_LOG2_SLOTS)
		return -EINVAL;
	q->log2_slots = order_base_2(*num_elem + 1);
	nr_pages = xenib_queue_nr_pages(q->log2_slots, q->log2_elem_size);
	if (nr_pages > XENIB_QUEUE_MAX_PAGES)
		return -EINVAL;
	q->nr_pages = nr_pages;
	q->size = xenib_queue_bytes(q->log2_slots, q->log2_elem_size);

	q->pages = kvcalloc(q->nr_pages, sizeof(*q->pages), GFP_KERNEL);
	q->refs = kvcalloc(q->nr_pages, sizeof(*q->refs), GFP_KERNEL);
	if (!q->pages || !q->refs)
		goto fail;
	for (i = 0; i < q->nr_pages; i++) {
		q->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!q->pages[i])
			goto fail;
	}
	/* The header is all the kernel writes, and it is in the first page. */
	hdr = page_address(q->pages[0]);
	hdr->log2_elem_size = q->log2_elem_size;
	hdr->index_mask = (1U << q->log2_slots) - 1;

	for (i = 0; i < q->nr_pages; i++) {
		ref = gnttab_grant_foreign_access(domid,
						  xen_page_to_gfn(q->pages[i]),
						  0);
		if (ref < 0)
			goto fail_grants;
		q->refs[i] = ref;
		q->nr_granted++;
	}
	*num_elem = (1U << q->log2_slots) - 1;
	return 0;

fail_grants:
	xenib_fe_out_of_grants(fe, "queue", q->nr_pages);
fail:
	xenib_fe_queue_free(q);
	return -ENOMEM;
}

/*
 * Release a queue the backend no longer uses.  The process can map it no
 * more; mappings it has stay until it drops them.  A page whose grant the
 * backend still holds (it misbehaves or is gone) is freed once it lets go.
 */
void xenib_fe_queue_free(struct xenib_fe_queue *q)
{
	unsigned int i;

	if (q->entry)
		rdma_user_mmap_entry_remove(q->entry);
	if (q->kva)
		vunmap(q->kva);
	for (i = 0; q->pages && i < q->nr_pages; i++) {
		if (i < q->nr_granted)
			gnttab_end_foreign_access(q->refs[i], q->pages[i]);
		else if (q->pages[i])
			__free_page(q->pages[i]);
	}
	kvfree(q->pages);
	kvfree(q->refs);
	memset(q, 0, sizeof(*q));
}

/*
 * List the @nr grant references @refs in read-only granted indirect pages:
 * @ind and @ind_refs (room for DIV_ROUND_UP(@nr, XENIB_REFS_PER_INDIRECT))
 * receive the pages and their references, @wire the references for the
 * request.  xenib_fe_put_indirect() releases them.
 */
int xenib_fe_grant_indirect(struct xenib_fe *fe, const grant_ref_t *refs,
			    unsigned int nr, struct page **ind,
			    grant_ref_t *ind_refs, u32 *wire)
{
	domid_t domid = fe->dev->otherend_id;
	unsigned int i, n = DIV_ROUND_UP(nr, XENIB_REFS_PER_INDIRECT);
	int ref;

	for (i = 0; i < n; i++) {
		unsigned int first = i * XENIB_REFS_PER_INDIRECT;
		unsigned int count = min_t(unsigned int, XENIB_REFS_PER_INDIRECT,
					   nr - first);

		ind[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!ind[i])
			goto fail;
		memcpy(page_address(ind[i]), refs + first,
		       count * sizeof(*refs));
		ref = gnttab_grant_foreign_access(domid,
						  xen_page_to_gfn(ind[i]), 1);
		if (ref < 0) {
			__free_page(ind[i]);
			ind[i] = NULL;
			goto fail;
		}
		ind_refs[i] = ref;
		wire[i] = ref;
	}
	return n;
fail:
	xenib_fe_put_indirect(ind, ind_refs, n);
	return -ENOMEM;
}

void xenib_fe_put_indirect(struct page **ind, grant_ref_t *ind_refs,
			   unsigned int max)
{
	unsigned int i;

	for (i = 0; i < max && ind[i]; i++) {
		gnttab_end_foreign_access(ind_refs[i], ind[i]);
		ind[i] = NULL;
	}
}

/*
 * The middle level of a two-level listing: @nr references in @ind's
 * granted indirect pages, whose own references @ind->refs a request's
 * top level then lists.  xenib_fe_put_indirect_pages() releases them.
 */
int xenib_fe_grant_indirect_pages(struct xenib_fe *fe, const grant_ref_t *refs,
				  unsigned int nr, struct xenib_indirect *ind)
{
	int n;

	ind->nr = DIV_ROUND_UP(nr, XENIB_REFS_PER_INDIRECT);
	ind->pages = kvcalloc(ind->nr, sizeof(*ind->pages), GFP_KERNEL);
	ind->refs = kvcalloc(ind->nr, sizeof(*ind->refs), GFP_KERNEL);
	if (!ind->pages || !ind->refs) {
		xenib_fe_put_indirect_pages(ind);
		return -ENOMEM;
	}
	n = xenib_fe_grant_indirect(fe, refs, nr, ind->pages, ind->refs,
				    ind->refs);
	if (n < 0) {
		xenib_fe_put_indirect_pages(ind);
		return n;
	}
	return 0;
}

void xenib_fe_put_indirect_pages(struct xenib_indirect *ind)
{
	if (ind->pages)
		xenib_fe_put_indirect(ind->pages, ind->refs, ind->nr);
	kvfree(ind->pages);
	kvfree(ind->refs);
	memset(ind, 0, sizeof(*ind));
}

/*
 * Describe @q in @wire, its grant references in indirect pages that
 * xenib_fe_queue_put_indirect() releases once the backend has answered.
 */
int xenib_fe_queue_describe(struct xenib_fe *fe, struct xenib_fe_queue *q,
			    struct xenib_queue *wire)
{
	int n;

	memset(wire, 0, sizeof(*wire));
	n = xenib_fe_grant_indirect(fe, q->refs, q->nr_pages, q->indirect,
				    q->indirect_refs, wire->indirect);
	if (n < 0)
		return n;
	wire->nr_pages = q->nr_pages;
	wire->log2_elem_size = q->log2_elem_size;
	wire->log2_slots = q->log2_slots;
	wire->nr_indirect = n;
	return 0;
}

void xenib_fe_queue_put_indirect(struct xenib_fe_queue *q)
{
	xenib_fe_put_indirect(q->indirect, q->indirect_refs,
			      XENIB_QUEUE_MAX_INDIRECT);
}

/*
 * Let the process whose verb call @udata is map @q: fills @mi with the key
 * and size the rxe provider passes to mmap().  The mapping entry holds its
 * own page references, so it may outlive the queue.
 */
int xenib_fe_queue_expose(struct ib_udata *udata, struct xenib_fe_queue *q,
			  struct mminfo *mi)
{
	struct ib_ucontext *uctx;
	struct xenib_mmap_entry *entry;
	unsigned int i;
	int err;

	uctx = container_of(udata, struct uverbs_attr_bundle, driver_udata)->context;
	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return -ENOMEM;
	entry->pages = kvcalloc(q->nr_pages, sizeof(*entry->pages),
				GFP_KERNEL);
	if (!entry->pages) {
		kfree(entry);
		return -ENOMEM;
	}
	for (i = 0; i < q->nr_pages; i++) {
		get_page(q->pages[i]);
		entry->pages[i] = q->pages[i];
	}
	entry->nr_pages = q->nr_pages;

	err = rdma_user_mmap_entry_insert(uctx, &entry->rdma,
					  (size_t)q->nr_pages * PAGE_SIZE);
	if (err) {
		xenib_fe_mmap_free(&entry->rdma);
		return err;
	}
	q->entry = &entry->rdma;
	mi->offset = rdma_user_mmap_get_offset(&entry->rdma);
	mi->size = q->size;
	mi->pad = 0;
	return 0;
}

int xenib_fe_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rdma;
	struct xenib_mmap_entry *entry;
	int err;

	rdma = rdma_user_mmap_entry_get(uctx, vma);
	if (!rdma)
		return -EINVAL;
	entry = to_xentry(rdma);
	/* The queue's pages, whatever the vma's offset (which is the key). */
	err = vm_map_pages_zero(vma, entry->pages, entry->nr_pages);
	rdma_user_mmap_entry_put(rdma);
	return err;
}

void xenib_fe_mmap_free(struct rdma_user_mmap_entry *rdma)
{
	struct xenib_mmap_entry *entry = to_xentry(rdma);
	unsigned int i;

	for (i = 0; i < entry->nr_pages; i++)
		put_page(entry->pages[i]);
	kvfree(entry->pages);
	kfree(entry);
}
