/* base64.c — see base64.h. */
#include "common/base64.h"
#include "common/error.h"

static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(struct buf *out, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;
	int rc = 0;

	for (i = 0; i + 2 < n && rc == 0; i += 3) {
		char q[4] = { tab[b[i] >> 2], tab[((b[i] & 3) << 4) | (b[i + 1] >> 4)],
			      tab[((b[i + 1] & 15) << 2) | (b[i + 2] >> 6)], tab[b[i + 2] & 63] };

		rc = buf_append(out, q, 4);
	}
	if (rc == 0 && n - i == 1) {
		char q[4] = { tab[b[i] >> 2], tab[(b[i] & 3) << 4], '=', '=' };

		rc = buf_append(out, q, 4);
	} else if (rc == 0 && n - i == 2) {
		char q[4] = { tab[b[i] >> 2], tab[((b[i] & 3) << 4) | (b[i + 1] >> 4)], tab[(b[i + 1] & 15) << 2], '=' };

		rc = buf_append(out, q, 4);
	}
	return rc;
}

static int val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(struct buf *out, const char *s, size_t n)
{
	size_t i;
	int rc = 0;

	if (n % 4)
		return -CORDON_EINVAL;
	for (i = 0; i < n && rc == 0; i += 4) {
		int a = val(s[i]), b = val(s[i + 1]), c = val(s[i + 2]), d = val(s[i + 3]);
		unsigned char q[3];
		size_t k = 3;

		/* '=' only at the very end, as "x=" or "xx=". */
		if (i + 4 == n && s[i + 3] == '=') {
			d = 0;
			k = 2;
			if (s[i + 2] == '=') {
				c = 0;
				k = 1;
			}
		}
		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -CORDON_EINVAL;
		q[0] = (unsigned char)((a << 2) | (b >> 4));
		q[1] = (unsigned char)(((b & 15) << 4) | (c >> 2));
		q[2] = (unsigned char)(((c & 3) << 6) | d);
		rc = buf_append(out, q, k);
	}
	return rc;
}
