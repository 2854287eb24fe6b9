/* SPDX-License-Identifier: MIT */
/** @file fax_page.h  Fax pages for the tests: write a document, compare
 *  two
 *
 * Header-only (the unit test and the faxpage tool are programs of their
 * own), on libtiff. fax_page_make() writes a TIFF-F file as a fax machine
 * sends it: pages 1728 pixels wide (A4), 204 x 196 dpi (fine), T.6 coded,
 * each 1100 rows (half a page, some 14 KB: a few seconds on the line) of
 * "text", lines of glyphs whose bits come from the seed, so that no two
 * pages and no two lines are alike and a row lost or garbled on the way
 * shows. fax_page_cmp() decodes two files and compares them page by page
 * and row by row.
 */
#ifndef TESTS_BOARD_FAX_PAGE_H
#define TESTS_BOARD_FAX_PAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define FAX_PAGE_WIDTH		1728
#define FAX_PAGE_ROWS		1100
#define FAX_PAGE_ROW_BYTES	(FAX_PAGE_WIDTH / 8)
#define FAX_PAGE_GLYPH_H	24	/* rows; 16 pixels wide */
#define FAX_PAGE_LINE_H		100	/* a line of text: glyphs and gap */
#define FAX_PAGE_MARGIN		64

static inline uint32_t fax_page_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* one page: lines of 20-59 glyphs of 16 x 24 pixels, a glyph's rows
 * changing every 4 */
static inline void fax_page_draw(uint8_t *img, uint32_t seed)
{
	memset(img, 0, (size_t)FAX_PAGE_ROWS * FAX_PAGE_ROW_BYTES); /* white */
	for (unsigned y0 = FAX_PAGE_MARGIN;
	     y0 + FAX_PAGE_GLYPH_H < FAX_PAGE_ROWS - FAX_PAGE_MARGIN;
	     y0 += FAX_PAGE_LINE_H) {
		unsigned glyphs = 20 + fax_page_rand(&seed) % 40;

		for (unsigned g = 0; g < glyphs; g++) {
			uint32_t gs = fax_page_rand(&seed);
			unsigned x = FAX_PAGE_MARGIN / 8 + g * 3;

			if (gs % 7 == 0)
				continue;			/* a blank */
			for (unsigned r = 0; r < FAX_PAGE_GLYPH_H; r += 4) {
				uint8_t a = (uint8_t)fax_page_rand(&gs);
				uint8_t b = (uint8_t)fax_page_rand(&gs);

				for (unsigned k = 0; k < 4; k++) {
					uint8_t *p = img + (size_t)(y0 + r + k) *
						     FAX_PAGE_ROW_BYTES + x;

					p[0] = a & 0x7e;
					p[1] = b & 0x7e;
				}
			}
		}
	}
}

/** Write @p pages pages drawn from @p seed to @p path. @return 0 or -1 */
static inline int fax_page_make(const char *path, unsigned pages,
				uint32_t seed)
{
	uint8_t *img = malloc((size_t)FAX_PAGE_ROWS * FAX_PAGE_ROW_BYTES);
	TIFF *t = img ? TIFFOpen(path, "w") : NULL;
	int ret = t ? 0 : -1;

	for (unsigned p = 0; !ret && p < pages; p++) {
		fax_page_draw(img, seed + p * 7919u);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, FAX_PAGE_WIDTH);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, FAX_PAGE_ROWS);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, FAX_PAGE_ROWS);
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, p, pages);
		for (unsigned r = 0; !ret && r < FAX_PAGE_ROWS; r++)
			if (TIFFWriteScanline(t, img + (size_t)r *
					      FAX_PAGE_ROW_BYTES, r, 0) < 0)
				ret = -1;
		if (!ret && !TIFFWriteDirectory(t))
			ret = -1;
	}
	if (t)
		TIFFClose(t);
	free(img);
	return ret;
}

struct fax_page_diff {
	int pages_a, pages_b;
	int rows;		/**< compared, over all pages */
	int differing_rows;	/**< or missing from one side */
	uint32_t w_a, h_a, w_b, h_b;	/**< of the last page compared */
};

/* page @p p of @p t as rows of whole bytes, 1 = black; NULL on error */
static inline uint8_t *fax_page_read(TIFF *t, int p, uint32_t *w,
				     uint32_t *h)
{
	uint16_t photo = PHOTOMETRIC_MINISWHITE, bps = 1;
	uint8_t *rows = NULL, *buf = NULL;
	tsize_t line;
	size_t rb;
	uint32_t r = 0;

	*w = *h = 0;
	if (!TIFFSetDirectory(t, (tdir_t)p))
		return NULL;
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, h);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetField(t, TIFFTAG_BITSPERSAMPLE, &bps);
	line = TIFFScanlineSize(t);
	rb = (*w + 7) / 8;
	if (bps == 1 && line > 0 && (size_t)line >= rb && *h) {
		rows = calloc(*h, rb);
		buf = malloc((size_t)line);
	}
	for (; rows && buf && r < *h; r++) {
		if (TIFFReadScanline(t, buf, r, 0) < 0)
			break;
		for (size_t i = 0; i < rb; i++)
			rows[(size_t)r * rb + i] =
				photo == PHOTOMETRIC_MINISBLACK ?
				(uint8_t)~buf[i] : buf[i];
	}
	free(buf);
	if (r < *h) {
		free(rows);
		return NULL;
	}
	return rows;
}

static inline int fax_page_count(TIFF *t)
{
	int n = 0;

	if (!TIFFSetDirectory(t, 0))
		return 0;
	do
		n++;
	while (TIFFReadDirectory(t));
	return n;
}

/** Compare the documents @p a and @p b into @p d. @return 0 when both
 *  have the same pages, row for row; 1 when not; -1 when one cannot be
 *  read or decoded. */
static inline int fax_page_cmp(const char *a, const char *b,
			       struct fax_page_diff *d)
{
	TIFF *ta = TIFFOpen(a, "r"), *tb = TIFFOpen(b, "r");
	int ret = ta && tb ? 0 : -1;

	memset(d, 0, sizeof(*d));
	if (!ret) {
		d->pages_a = fax_page_count(ta);
		d->pages_b = fax_page_count(tb);
	}
	for (int p = 0; !ret && p < d->pages_a && p < d->pages_b; p++) {
		uint8_t *ra = fax_page_read(ta, p, &d->w_a, &d->h_a);
		uint8_t *rb = fax_page_read(tb, p, &d->w_b, &d->h_b);
		size_t bytes = (d->w_a + 7) / 8;

		if (!ra || !rb)
			ret = -1;
		for (uint32_t r = 0; !ret && (r < d->h_a || r < d->h_b); r++) {
			d->rows++;
			if (r >= d->h_a || r >= d->h_b || d->w_a != d->w_b ||
			    memcmp(ra + r * bytes, rb + r * bytes, bytes))
				d->differing_rows++;
		}
		free(ra);
		free(rb);
	}
	if (ta)
		TIFFClose(ta);
	if (tb)
		TIFFClose(tb);
	if (ret)
		return ret;
	return d->pages_a == d->pages_b && !d->differing_rows ? 0 : 1;
}

#endif /* TESTS_BOARD_FAX_PAGE_H */
