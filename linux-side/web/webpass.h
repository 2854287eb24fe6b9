/* SPDX-License-Identifier: MIT */
/** @file webpass.h  The web UI's admin account: password hashes and file
 *
 * A password is stored as a salted slow hash, PBKDF2-HMAC-SHA256 through
 * OpenSSL's EVP_KDF, in the modular crypt style
 *   $pbkdf2-sha256$ITERATIONS$SALT$HASH      (SALT, HASH: base64, no '=')
 * with a 16-byte random salt and a 32-byte hash. Verification recomputes
 * the hash with the stored iterations and compares in constant time.
 *
 * The account file ([web] passwd_file) holds one line
 *   USER:HASH:FLAGS      FLAGS "change" when the next login must set a new
 *                        password, else empty
 * written atomically (temporary file, fsync, rename, fsync of the folder).
 * While the file is missing the account is the factory one: admin with
 * the password "admin", which must be changed at the first login.
 */
#ifndef LINUX_SIDE_WEB_WEBPASS_H
#define LINUX_SIDE_WEB_WEBPASS_H

#include <stdbool.h>
#include <stddef.h>

#define WEBPASS_ITER		600000u	/**< OWASP 2023 for PBKDF2-SHA256 */
#define WEBPASS_ITER_MIN	1000u
#define WEBPASS_ITER_MAX	10000000u
#define WEBPASS_HASH_SIZE	128	/**< the stored form, with its NUL */
#define WEBPASS_USER_SIZE	32
#define WEBPASS_MIN_LEN		8	/**< a new password's least length */
#define WEBPASS_MAX_LEN		128
#define WEBPASS_FACTORY_USER	"admin"
#define WEBPASS_FACTORY_PASS	"admin"

struct webpass_account {
	char user[WEBPASS_USER_SIZE];
	char hash[WEBPASS_HASH_SIZE];	/**< "": the factory password */
	bool must_change;
};

int  webpass_hash(const char *password, unsigned int iter, char *out,
		  size_t size);
int  webpass_verify(const char *password, const char *stored);
int  webpass_check_new(const char *user, const char *password, char *why,
		       size_t size);
int  webpass_load(const char *path, struct webpass_account *a, char *why,
		  size_t size);
int  webpass_store(const char *path, const struct webpass_account *a);
int  webpass_login(const struct webpass_account *a, const char *user,
		   const char *password);

#endif /* LINUX_SIDE_WEB_WEBPASS_H */
