/*
 * waste_code.h - the codes of the 2024 固体废物分类与代码目录 and the GB/T
 * 4754 industry classes that waste streams and needs carry. Pure functions.
 */
#ifndef TECHEX_WASTE_CODE_H
#define TECHEX_WASTE_CODE_H

#include "../../server/common.h"

/* Why s is not a 2024 directory code, or NULL when it is one: nine characters,
 * three digits of producing industry (not 000), three of sequence (001-099),
 * then 'S' and the two digits of a category S01-S99 that exists (S08 does
 * not). The message is a literal English phrase for problem_field. */
const char *waste_code_problem(const char *s);

/* Whether the category of a valid code (its last three characters) is an
 * industrial one: S01-S59. */
bool waste_code_industrial(const char *code);

/* Why s is not a GB/T 4754 industry code, or NULL: a section letter A-T then
 * two to four digits (C3216 aluminium smelting; C32 the division). When
 * waste_code (may be NULL) is valid and s names at least a group (three
 * digits), the code's industry must be that group. */
const char *industry_code_problem(const char *s, const char *waste_code);

#endif
