/* caps.c — capability drop with libcap. */
#include "runtime/caps.h"
#include "common/error.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static bool have_setpcap(void)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!c)
		return false;
	if (cap_get_flag(c, CAP_SETPCAP, CAP_EFFECTIVE, &v) < 0)
		v = CAP_CLEAR;
	cap_free(c);
	return v == CAP_SET;
}

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
	cap_t empty = NULL;
	cap_value_t cap;
	int r = -CORDON_ESYS, saved;

	if (out_bounding)
		*out_bounding = false;
	if (have_setpcap()) {
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
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		goto out;
	empty = cap_init();
	if (!empty)
		goto out;
	if (cap_set_proc(empty) < 0)
		goto out;
	if (!caps_none()) {
		errno = EPERM;
		goto out;
	}
	r = 0;
out:
	saved = errno;
	cap_free(empty);
	errno = saved;
	return r;
}
