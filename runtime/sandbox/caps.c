/* caps.c — capability drop with libcap. */
#include "runtime/sandbox/caps.h"
#include "common/error.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

bool caps_none(void)
{
	cap_t c = cap_get_proc(), empty = cap_init();
	bool none = false;

	if (c && empty)
		none = cap_compare(c, empty) == 0;
	cap_free(c);
	cap_free(empty);
	return none;
}

int caps_drop_all(bool *out_bounding)
{
	cap_t cur = NULL, empty = NULL;
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_value_t cap;
	int r = -CORDON_ESYS, saved;

	if (out_bounding)
		*out_bounding = false;
	cur = cap_get_proc();
	empty = cap_init();
	if (!cur || !empty)
		goto out;
	if (cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap) < 0)
		setpcap = CAP_CLEAR;
	if (setpcap == CAP_SET) {
		/*
		 * Safe because: with NOROOT and NO_SETUID_FIXUP locked, uid 0 (or a
		 * setuid exec) never brings capabilities back, and nothing below can
		 * undo the lock.
		 */
		if (cap_set_secbits(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
				    SECBIT_NO_CAP_AMBIENT_RAISE |
				    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
			goto out;
		for (cap = 0; cap < (cap_value_t)cap_max_bits(); cap++)
			if (cap_drop_bound(cap) < 0 && errno != EINVAL)
				goto out;
		if (out_bounding)
			*out_bounding = true;
	}
	/*
	 * One PR_CAP_AMBIENT_CLEAR_ALL (libcap's cap_reset_ambient() first
	 * probes every capability with IS_SET: ~40 prctl per child). EINVAL:
	 * a kernel without ambient capabilities, nothing to clear.
	 */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		goto out;
	/*
	 * A child of the warden starts with empty E/P/I (the warden dropped them
	 * and children inherit that): the read above is the read-back, and
	 * capset is only needed when something is held.
	 */
	if (setpcap == CAP_SET || cap_compare(cur, empty) != 0) {
		if (cap_set_proc(empty) < 0)
			goto out;
		if (!caps_none()) {
			errno = EPERM;
			goto out;
		}
	}
	r = 0;
out:
	saved = errno;
	cap_free(cur);
	cap_free(empty);
	errno = saved;
	return r;
}
