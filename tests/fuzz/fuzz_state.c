/* fuzz_state.c - the OCI state a runtime writes on the hook's stdin
 * (vp_state_parse), then what the hook reads from it: the sandbox id (one
 * runtime's keys), the owner test and the io.vnfplug.networks request
 * (vp_request_parse).
 * vp_state_complete is not called: it reads /proc and the bundle.
 *
 * Invariants on accepted input: the strings have no inner NUL, annotation
 * keys are unique, an annotation list implies has_annotations, a sandbox
 * id that is returned passes vp_valid_sandbox_id and is the value of the
 * key it names (or the container id); refusals are printable ASCII; only
 * the container id makes an owner.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "request.h"
#include "state.h"
#include "validate.h"

static void check_state(const struct vp_state *st)
{
	struct vp_sandbox_ref ref;
	const char *id = NULL;
	struct vp_err err = {0};
	char why[256];
	bool found = false;

	FUZZ_CHECK(st->n_annotations == 0 || st->has_annotations, "n=%zu",
		   st->n_annotations);
	FUZZ_CHECK(st->pid >= 0, "pid %d", st->pid);
	for (size_t i = 0; i < st->n_annotations; i++) {
		const struct vp_kv *kv = &st->annotations[i];

		FUZZ_CHECK(kv->key != NULL && kv->value != NULL, "[%zu]", i);
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(st->annotations[k].key, kv->key) != 0,
				   "annotation `%s` twice", kv->key);
		/* the lookup finds this very entry (keys are unique) */
		FUZZ_CHECK(vp_state_annotation(st, kv->key) == kv->value,
			   "lookup of `%s`", kv->key);
	}

	if (vp_state_sandbox(st, &ref, &err) == 0) {
		id = ref.id;
		FUZZ_CHECK(id != NULL && vp_valid_sandbox_id(id), "id");
		FUZZ_CHECK(st->id != NULL, "a sandbox without a container id");
		found = ref.key == NULL
			    ? id == st->id
			    : id == vp_state_annotation(st, ref.key);
		FUZZ_CHECK(found, "sandbox id `%s` not from its key", id);
		FUZZ_CHECK(ref.type == NULL || ref.runtime != NULL, "type");
	} else {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		for (const char *p = err.msg; *p != '\0'; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 &&
				       (unsigned char)*p < 0x7f,
				   "unprintable byte in `%s`", err.msg);
	}
	/* only the container id makes an owner, never an annotation */
	FUZZ_CHECK(vp_state_is_owner(st, "/nonexistent", "fuzz-owner", 0, 0,
				     why, sizeof(why)) ==
		       (st->id != NULL && strcmp(st->id, "fuzz-owner") == 0),
		   "owner");
	if (st->id != NULL)
		FUZZ_CHECK(vp_state_is_owner(st, "/nonexistent", st->id,
					     st->pid, 1, why, sizeof(why)),
			   "the recorded container is not its owner");
}

static void check_request(const struct vp_state *st)
{
	const char *ann = vp_state_annotation(st, VP_ANNOTATION_NETWORKS);
	struct vp_request req;
	struct vp_err err = {0};

	if (ann == NULL)
		return;
	if (vp_request_parse(ann, &req, &err) < 0) {
		FUZZ_CHECK(req.items == NULL && req.n == 0,
			   "failed parse left items");
		return;
	}
	FUZZ_CHECK(req.n >= 1 && req.n <= VP_REQUEST_MAX, "n=%zu", req.n);
	vp_request_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_state st;
	struct vp_err err = {0};

	if (vp_state_parse((const char *)data, size, &st, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(st.id == NULL && st.annotations == NULL &&
			       st.n_annotations == 0,
			   "failed parse left fields set");
		return 0;
	}
	check_state(&st);
	check_request(&st);
	vp_state_free(&st);
	return 0;
}
