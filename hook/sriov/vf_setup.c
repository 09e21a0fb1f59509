/* vf_setup.c - SR-IOV in prestart and poststop (see vf_setup.h).
 *
 * Allocation is "first free VF, PFs in config order, VFs in virtfn order"
 * under the global lock; a VF is free when no record claims it and sysfs
 * shows nobody else using it.  The claim is in the saved record before
 * the VF is touched, so a VF can not be handed out twice even when a hook
 * dies half-way: its record keeps the claim until poststop or gc undo it.
 */
#include "vf_setup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "netns.h"
#include "proc.h"
#include "sriov.h"
#include "validate.h"
#include "vfio.h"
#include "vf_config.h"

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

enum vp_sriov_mode vp_vf_mode(const struct vp_sriov_net *s,
			      const struct vp_state *st, const char *proc_root)
{
	static const char *const vm_runtimes[] = {
	    "kata-runtime", "containerd-shim-kata-v2",
	    "cc-runtime",   "kata-shim",
	    NULL,
	};
	char path[PATH_MAX], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	if (s->mode != VP_MODE_AUTO)
		return s->mode;
	/* VM runtimes mark their containers */
	for (size_t i = 0; i < st->n_annotations; i++)
		if (has_prefix(st->annotations[i].key, "io.katacontainers.") ||
		    has_prefix(st->annotations[i].key,
			       "com.github.containers.virtcontainers."))
			return VP_MODE_VFIO;
	/* ...or the process in the state is the VM runtime or QEMU */
	if (st->pid > 0) {
		snprintf(path, sizeof(path), "%s/%d/exe", proc_root, st->pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			base = strrchr(exe, '/');
			base = base ? base + 1 : exe;
			if (has_prefix(base, "qemu-system-") ||
			    has_prefix(base, "vnfplug-qemu"))
				return VP_MODE_VFIO;
			for (size_t i = 0; vm_runtimes[i] != NULL; i++)
				if (strcmp(base, vm_runtimes[i]) == 0)
					return VP_MODE_VFIO;
		}
	}
	return VP_MODE_NETNS;
}

static bool is_claimed(char **claims, size_t n, const char *pci)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(claims[i], pci) == 0)
			return true;
	return false;
}

/* First free VF of the network's PFs, or an error saying, PF by PF, why
 * none is free.  PFs are listed (addresses only) and VFs read one at a
 * time, so taking the first free VF does not read all 256 of them. */
static int pick_vf(const struct vp_config *cfg, const struct vp_network *net,
		   char **claims, size_t n_claims, struct vp_pf *out,
		   size_t *vf_i, struct vp_err *err)
{
	const struct vp_sriov_net *s = &net->sriov;
	char why[900] = "";

	for (size_t p = 0; p < s->n_pfs; p++) {
		struct vp_pf pf = {0};
		struct vp_err e;
		unsigned ours = 0, others = 0;
		bool wrong_ids = false;

		if (vp_sriov_pf_list(cfg->sysfs_root, s->pfs[p], &pf, &e) < 0) {
			vp_strappendf(why, sizeof(why), "%s%s",
				      why[0] ? "; " : "", e.msg);
			continue;
		}
		if (pf.n_dangling > 0)
			vp_log_warn(
			    "PF %s (%s): %u virtfn link(s) lead nowhere",
			    s->pfs[p], pf.pci, pf.n_dangling);
		if (pf.numvfs == 0) {
			vp_strappendf(
			    why, sizeof(why),
			    "%sPF %s (%s): no VFs enabled (sriov_numvfs is "
			    "0)",
			    why[0] ? "; " : "", s->pfs[p], pf.pci);
			vp_sriov_pf_free(&pf);
			continue;
		}
		for (size_t k = 0; k < pf.n_vfs && !wrong_ids; k++) {
			struct vp_vf *vf = &pf.vfs[k];

			if (is_claimed(claims, n_claims, vf->pci)) {
				ours++;
				continue;
			}
			if (vp_sriov_vf_refresh(cfg->sysfs_root, vf, &e) < 0) {
				vp_log_warn("PF %s: %s", s->pfs[p], e.msg);
				others++;
				continue;
			}
			vf->skipped = false;
			if (vp_sriov_vf_busy_reason(vf) != NULL) {
				others++;
				continue;
			}
			if ((s->has_vendor || s->has_device) &&
			    vp_sriov_vf_ids(cfg->sysfs_root, vf->pci,
					    &pf.vendor, &pf.device, &e) < 0) {
				vp_log_warn("PF %s: %s", s->pfs[p], e.msg);
				others++;
				continue;
			}
			if ((s->has_vendor && pf.vendor != s->vendor) ||
			    (s->has_device && pf.device != s->device)) {
				/* the VFs of one PF share their ids */
				wrong_ids = true;
				break;
			}
			*out = pf;
			*vf_i = k;
			return 0;
		}
		if (wrong_ids)
			vp_strappendf(
			    why, sizeof(why),
			    "%sPF %s (%s): VFs are %04x:%04x, the network "
			    "wants %04x:%04x",
			    why[0] ? "; " : "", s->pfs[p], pf.pci, pf.vendor,
			    pf.device, s->has_vendor ? s->vendor : pf.vendor,
			    s->has_device ? s->device : pf.device);
		else
			vp_strappendf(
			    why, sizeof(why),
			    "%sPF %s (%s): all %zu VFs busy (%u held by "
			    "vnfplug, %u in use outside it)",
			    why[0] ? "; " : "", s->pfs[p], pf.pci, pf.n_vfs,
			    ours, others);
		vp_sriov_pf_free(&pf);
	}
	return vp_err_set(err, 0, "network `%s`: no free VF: %s", net->name,
			  why);
}

static void pf_freep(struct vp_pf *pf)
{
	vp_sriov_pf_free(pf);
}

/* The namespace path of config.json names a file the container's bundle
 * chose: recorded only when it is the container's namespace (same
 * inode), or poststop and gc would later open whatever it has become.
 * Anything else is dropped with a warning; it is not an error, the pid's
 * namespace and /run/netns still lead there. */
static void keep_ns_path(char **path, unsigned long long ino,
			 const char *network)
{
	_cleanup_close_ int fd = -1;
	char shown[VP_PRINTABLE_MAX];
	unsigned long long got = 0;
	struct vp_err e;

	if (vp_netns_open(*path, false, &fd, &got, &e) == 0 && got == ino)
		return;
	if (fd >= 0)
		snprintf(e.msg, sizeof(e.msg),
			 "`%s` is another network namespace (inode %llu, the "
			 "container's is %llu)",
			 vp_printable(*path, shown, sizeof(shown)), got, ino);
	vp_log_warn("network %s: the namespace path in config.json is not "
		    "recorded: %s",
		    network, e.msg);
	free(*path);
	*path = NULL;
}

static int add_claim(char ***claims, size_t *n, const char *pci,
		     struct vp_err *err)
{
	char **nv = realloc(*claims, (*n + 2) * sizeof(**claims));

	if (nv == NULL)
		return vp_err_set(err, ENOMEM, "VF claims");
	*claims = nv;
	nv[*n] = strdup(pci);
	if (nv[*n] == NULL)
		return vp_err_set(err, ENOMEM, "VF claims");
	nv[++*n] = NULL;
	return 0;
}

int vp_vf_setup(struct vp_backend_ctx *c, const struct vp_entry *e,
		char ***claims, size_t *n_claims, struct vp_vf_plan *out,
		struct vp_err *err)
{
	const struct vp_config *cfg = c->cfg;
	const struct vp_state *st = c->st;
	const struct vp_request_item *it = e->it;
	struct vp_record *rec = c->rec;
	const struct vp_sriov_net *s = &it->net->sriov;
	__attribute__((cleanup(pf_freep))) struct vp_pf pf = {0};
	struct vp_vf_config orig_vf = {0};
	struct vp_link orig_link = {0};
	_cleanup_free_ char *ns_path = NULL;
	_cleanup_close_ int ns_fd = -1;
	unsigned long long ns_ino = 0;
	enum vp_sriov_mode mode = vp_vf_mode(s, st, cfg->proc_root);
	const char *mode_name = mode == VP_MODE_VFIO ? "vfio" : "netns";
	int i_claim, i_cfg = -1, i_act;
	const struct vp_vf *vf;
	size_t k = 0;

	if (pick_vf(cfg, it->net, *claims, *n_claims, &pf, &k, err) < 0)
		return -1;
	vf = &pf.vfs[k];

	/* everything that can refuse, before the journal */
	if (mode == VP_MODE_NETNS && vf->netdev[0] == '\0')
		return vp_err_set(err, 0,
				  "network `%s`: VF %s has no network device "
				  "(driver `%s`); netns mode needs one",
				  it->network, vf->pci,
				  vf->driver[0] ? vf->driver : "none");
	if (mode == VP_MODE_NETNS && st->pid <= 0)
		return vp_err_set(err, 0,
				  "network `%s`: netns mode needs the "
				  "container's pid in the OCI state",
				  it->network);
	if (mode == VP_MODE_VFIO &&
	    vp_sriov_iommu_group_check(cfg->sysfs_root, vf, err) < 0)
		return vp_err_wrap(err, "network `%s`", it->network);
	if (s->pf_netlink) {
		if (pf.name[0] == '\0')
			return vp_err_set(err, 0,
					  "network `%s`: PF %s has no network "
					  "device to configure VFs through "
					  "(set \"pf_netlink\": false)",
					  it->network, pf.pci);
		if (vp_vf_config_get(pf.name, vf->index, &orig_vf, err) < 0)
			return vp_err_wrap(err, "network `%s`", it->network);
	}
	if (mode == VP_MODE_NETNS &&
	    vp_link_get(vf->netdev, &orig_link, err) < 0)
		return vp_err_wrap(err, "network `%s`: VF %s", it->network,
				   vf->pci);
	/* The container's namespace, opened once: the link goes into this
	 * one even if the pid is reused meanwhile.  Its inode and a file
	 * that pins it are how poststop recognises it, even when the
	 * container's processes are gone. */
	if (mode == VP_MODE_NETNS &&
	    (vp_netns_open_pid(cfg->proc_root, st->pid, &ns_fd, &ns_ino, err) <
		 0 ||
	     vp_state_netns_path(st, &ns_path, err) < 0))
		return vp_err_wrap(err, "network `%s`", it->network);
	if (ns_path != NULL)
		keep_ns_path(&ns_path, ns_ino, it->network);

	/* the journal: claim, then each change, saved before any happens */
	struct vp_resource r = {
	    .kind = VP_RES_VF_CLAIM,
	    .state = VP_RES_CREATED,
	    .index = e->index,
	    .network = it->network,
	    .pf = (char *)s->pfs[0],
	    .pf_pci = pf.pci,
	    .pf_ifname = pf.name,
	    .vf_index = vf->index,
	    .vf_pci = (char *)vf->pci,
	    .mode = (char *)mode_name,
	};
	for (size_t p = 0; p < s->n_pfs; p++) {
		/* name the PF as the config does, for status */
		if (strcmp(s->pfs[p], pf.pci) == 0 ||
		    strcmp(s->pfs[p], pf.name) == 0)
			r.pf = s->pfs[p];
	}
	i_claim = vp_record_add(rec, &r, err);
	if (i_claim < 0)
		return -1;
	r.state = VP_RES_PENDING;
	if (s->pf_netlink) {
		r.kind = VP_RES_VF_CONFIG;
		r.orig_vf = orig_vf;
		i_cfg = vp_record_add(rec, &r, err);
		if (i_cfg < 0)
			return -1;
	}
	if (mode == VP_MODE_VFIO) {
		r.kind = VP_RES_VFIO_BIND;
		r.orig_driver = (char *)vf->driver;
	} else {
		r.kind = VP_RES_NETNS_MOVE;
		r.orig_link = orig_link;
		r.ns_ifname = (char *)it->ifname;
		r.ns_pid = st->pid;
		r.ns_ino = ns_ino;
		r.ns_path = ns_path;
	}
	i_act = vp_record_add(rec, &r, err);
	if (i_act < 0 || vp_record_save(cfg->run_dir, rec, err) < 0)
		return -1;
	vp_fault_point("vf-claimed");
	if (add_claim(claims, n_claims, vf->pci, err) < 0)
		return -1;

	if (s->pf_netlink) {
		if (vp_vf_config_set(pf.name, vf->index, &it->vf, err) < 0)
			return vp_err_wrap(err, "network `%s`", it->network);
		vp_fault_point("vf-configured");
		rec->res[i_cfg].state = VP_RES_CREATED;
	}
	if (mode == VP_MODE_VFIO) {
		char was[64];

		if (vp_vfio_bind(cfg->sysfs_root, vf->pci, was, sizeof(was),
				 c->timeout_ms, err) < 0)
			return vp_err_wrap(err, "network `%s`", it->network);
		vp_fault_point("vf-bound");
		rec->res[i_act].state = VP_RES_CREATED;
	} else {
		struct vp_netns_target t = {.proc_root = cfg->proc_root,
					    .pid = st->pid,
					    .ino = ns_ino,
					    .fd = ns_fd};
		struct vp_link moved;

		if (vp_netns_move_in(&t, vf->netdev, it->ifname, it->vf.mac,
				     it->mtu, &moved, err) < 0) {
			/* a failed move_in has put the link back as it was:
			 * undoing it again could only take a link of that
			 * name that is the container's own */
			vp_resource_free(&rec->res[i_act]);
			rec->n_res--;
			return vp_err_wrap(err, "network `%s`", it->network);
		}
		vp_fault_point("vf-moved");
		rec->res[i_act].state = VP_RES_CREATED;
		rec->res[i_act].ns_ifindex = moved.ifindex;
	}
	snprintf(out->pci, sizeof(out->pci), "%s", vf->pci);
	out->vfio = mode == VP_MODE_VFIO;
	/* the status line operators read */
	vp_log_info("network %s: PF %s (%s) VF %u (%s), mode %s%s%s",
		    it->network, pf.name[0] ? pf.name : "-", pf.pci, vf->index,
		    vf->pci, mode_name,
		    mode == VP_MODE_NETNS ? ", ifname " : "",
		    mode == VP_MODE_NETNS ? it->ifname : "");
	return 0;
}

int vp_vf_undo(struct vp_backend_ctx *c, const struct vp_resource *r,
	       struct vp_err *err)
{
	const struct vp_config *cfg = c->cfg;
	const struct vp_record *rec = c->rec;

	switch (r->kind) {
	case VP_RES_VF_CLAIM:
		vp_log_info("released VF %u (%s) of PF %s", r->vf_index,
			    r->vf_pci, r->pf ? r->pf : "?");
		return 0; /* dropping the entry is the release */
	case VP_RES_VF_CONFIG:
		if (vp_vf_config_set(r->pf_ifname, r->vf_index, &r->orig_vf,
				     err) < 0)
			return -1;
		return 0;
	case VP_RES_VFIO_BIND:
		return vp_vfio_restore(cfg->sysfs_root, r->vf_pci,
				       r->orig_driver ? r->orig_driver : "",
				       c->timeout_ms, err);
	case VP_RES_NETNS_MOVE: {
		struct vp_netns_target t = {.proc_root = cfg->proc_root,
					    .pid = r->ns_pid,
					    .ino = r->ns_ino,
					    .path = r->ns_path,
					    .fd = -1};
		unsigned long long start;
		struct vp_err e;

		/* a pid that now names another process must not be entered:
		 * treat its namespace as gone */
		if (r->ns_pid == rec->owner_pid && rec->owner_start != 0 &&
		    (vp_proc_start_time(cfg->proc_root, r->ns_pid, &start, &e) <
			 0 ||
		     start != rec->owner_start))
			t.pid = 0;
		if (vp_netns_move_out(&t, r->ns_ifname, r->ns_ifindex,
				      cfg->sysfs_root, r->vf_pci, &r->orig_link,
				      err) < 0) {
			if (err->errnum != ENODEV)
				return -1;
			vp_log_warn("VF %s: %s; nothing left to restore",
				    r->vf_pci, err->msg);
		}
		return 0;
	}
	default:
		return vp_err_set(err, EINVAL, "not a VF resource");
	}
}
