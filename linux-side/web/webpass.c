// SPDX-License-Identifier: MIT
/** @file webpass.c  The web UI's admin account: password hashes and file */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "linux-side/web/webpass.h"

#define SALT_LEN	16
#define KEY_LEN		32
#define PREFIX		"$pbkdf2-sha256$"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 without padding; returns the length written (out has room) */
static size_t b64_enc(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0, i;
	unsigned int v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/* decode @p len characters into exactly @p want bytes; -EINVAL otherwise */
static int b64_dec(const char *s, size_t len, unsigned char *out,
		   size_t want)
{
	unsigned int v = 0, bits = 0;
	size_t o = 0, i;
	const char *p;

	for (i = 0; i < len; i++) {
		if (!s[i] || !(p = strchr(b64, s[i])))
			return -EINVAL;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= want)
				return -EINVAL;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return o == want ? 0 : -EINVAL;
}

static int pbkdf2(const char *password, const unsigned char *salt,
		  unsigned int iter, unsigned char key[KEY_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	p[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						 (void *)password,
						 strlen(password));
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, SALT_LEN);
	p[2] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
	p[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[4] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, key, KEY_LEN, p) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

/**
 * Hash @p password with a fresh random salt.
 * @param iter  PBKDF2 iterations (WEBPASS_ITER; tests use fewer)
 * @param out   receives the stored form, at most WEBPASS_HASH_SIZE bytes
 * @return 0; -EINVAL (iterations out of range, @p out too small); -EIO
 */
int webpass_hash(const char *password, unsigned int iter, char *out,
		 size_t size)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char s64[32], k64[48];
	int n;

	if (!password || !out || iter < WEBPASS_ITER_MIN ||
	    iter > WEBPASS_ITER_MAX)
		return -EINVAL;
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    pbkdf2(password, salt, iter, key))
		return -EIO;
	b64_enc(salt, sizeof(salt), s64);
	b64_enc(key, sizeof(key), k64);
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, size, PREFIX "%u$%s$%s", iter, s64, k64);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

/**
 * Check @p password against the stored form @p stored.
 * @return 0 when it matches; -EACCES when it does not; -EINVAL when
 *	   @p stored is not a hash this module writes; -EIO
 */
int webpass_verify(const char *password, const char *stored)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN], want[KEY_LEN];
	const char *p, *d1, *d2;
	unsigned long iter;
	char *end;
	int rc;

	if (!password || !stored || strncmp(stored, PREFIX, strlen(PREFIX)))
		return -EINVAL;
	p = stored + strlen(PREFIX);
	iter = strtoul(p, &end, 10);
	if (end == p || *end != '$' || iter < WEBPASS_ITER_MIN ||
	    iter > WEBPASS_ITER_MAX)
		return -EINVAL;
	d1 = end + 1;
	d2 = strchr(d1, '$');
	if (!d2 || b64_dec(d1, (size_t)(d2 - d1), salt, sizeof(salt)) ||
	    b64_dec(d2 + 1, strlen(d2 + 1), want, sizeof(want)))
		return -EINVAL;
	if (pbkdf2(password, salt, (unsigned int)iter, key))
		return -EIO;
	rc = CRYPTO_memcmp(key, want, KEY_LEN) ? -EACCES : 0;
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/**
 * Check a new password for @p user: WEBPASS_MIN_LEN..WEBPASS_MAX_LEN
 * characters, printable, not the user name nor the factory password.
 * @return 0, or -EINVAL with the reason in @p why
 */
int webpass_check_new(const char *user, const char *password, char *why,
		      size_t size)
{
	size_t len = password ? strlen(password) : 0;
	const unsigned char *p;

	if (len < WEBPASS_MIN_LEN || len > WEBPASS_MAX_LEN) {
		snprintf(why, size, "a password has %d to %d characters",
			 WEBPASS_MIN_LEN, WEBPASS_MAX_LEN);
		return -EINVAL;
	}
	for (p = (const unsigned char *)password; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, size, "a password may not hold control "
				 "characters");
			return -EINVAL;
		}
	}
	if ((user && !strcmp(password, user)) ||
	    !strcmp(password, WEBPASS_FACTORY_PASS)) {
		snprintf(why, size, "the password may be neither the user "
			 "name nor the factory password");
		return -EINVAL;
	}
	return 0;
}

/**
 * Read the account file. A missing file gives the factory account.
 * @param why  the reason on error
 * @return 0; -EBADMSG for a malformed file; a negative errno from reading
 */
int webpass_load(const char *path, struct webpass_account *a, char *why,
		 size_t size)
{
	char line[WEBPASS_USER_SIZE + WEBPASS_HASH_SIZE + 32];
	char *c1, *c2;
	FILE *f;

	memset(a, 0, sizeof(*a));
	f = fopen(path, "r");
	if (!f && errno == ENOENT) {
		snprintf(a->user, sizeof(a->user), WEBPASS_FACTORY_USER);
		a->must_change = true;
		return 0;
	}
	if (!f) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	c1 = strchr(line, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c1 == line ||
	    (size_t)(c1 - line) >= sizeof(a->user) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(a->hash) ||
	    (c2[1] && strcmp(c2 + 1, "change"))) {
		snprintf(why, size, "%s: not USER:HASH:FLAGS", path);
		return -EBADMSG;
	}
	memcpy(a->user, line, (size_t)(c1 - line));
	memcpy(a->hash, c1 + 1, (size_t)(c2 - c1 - 1));
	a->must_change = c2[1] != '\0';
	if (strncmp(a->hash, PREFIX, strlen(PREFIX))) {
		snprintf(why, size, "%s: the hash is not %s...", path, PREFIX);
		return -EBADMSG;
	}
	return 0;
}

/** Write the account file atomically (mode 0600).
 *  @return 0 or a negative errno */
int webpass_store(const char *path, const struct webpass_account *a)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd, rc = 0;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	fprintf(f, "%s:%s:%s\n", a->user, a->hash,
		a->must_change ? "change" : "");
	if (fflush(f) || fsync(fd))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? (dir[0] ? dir : "/") : ".",
		  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/**
 * Check a login against the account: the user name, and the password
 * against its hash (the factory password while there is none).
 * @return 0; -EACCES for a wrong name or password; -EIO
 */
int webpass_login(const struct webpass_account *a, const char *user,
		  const char *password)
{
	int rc;

	if (!user || !password)
		return -EACCES;
	if (!a->hash[0]) {
		/* factory account: compare in constant time all the same */
		rc = strlen(password) == strlen(WEBPASS_FACTORY_PASS) &&
		     !CRYPTO_memcmp(password, WEBPASS_FACTORY_PASS,
				    strlen(WEBPASS_FACTORY_PASS)) ? 0 : -EACCES;
	} else {
		rc = webpass_verify(password, a->hash);
		if (rc == -EINVAL)
			rc = -EACCES;
	}
	if (strcmp(user, a->user))
		rc = -EACCES;
	return rc;
}
