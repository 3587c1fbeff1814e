#!/bin/sh
# The Chinese message catalogue against the sources.
#   po-check.sh [PO]            fails, listing them, when a message in the sources has
#                               no translation in PO (default po/zh_CN.po), or a fuzzy
#                               one, or a translation whose printf directives differ
#                               from its message's
#   po-check.sh --update [PO]   extracts the messages (po/techex.pot) and merges them
#                               into PO in place: new ones arrive untranslated
# Messages are the format arguments of problem_set, problem_commit and
# problem_field, the nouns of db_load_visible, db_not_found and req_if_match, the
# text of problem_tr, and every N_("...") (titles and messages kept in tables).
set -eu
cd "$(dirname "$0")/.."
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
po=${1:-po/zh_CN.po}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# sorted, so the template does not depend on the shell's glob order
sources=$(ls main.c server/*.c modules/*/*.c | LC_ALL=C sort)
# shellcheck disable=SC2086
xgettext --language=C --from-code=UTF-8 --no-wrap --sort-by-file \
	--package-name=techex --msgid-bugs-address=security@techex.example \
	--keyword= --keyword=N_ --keyword=problem_tr:2 \
	--keyword=problem_set:4 --keyword=problem_commit:4 --keyword=problem_field:3 \
	--keyword=db_load_visible:3 --keyword=db_not_found:2 --keyword=req_if_match:3 \
	--flag=problem_set:4:c-format --flag=problem_commit:4:c-format \
	--flag=problem_field:3:c-format \
	-o "$tmp/techex.pot" $sources

if [ "$update" = 1 ]; then
	cp "$tmp/techex.pot" po/techex.pot
	msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap --sort-by-file \
		"$po" po/techex.pot
	n=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
	echo "po-update: $po now holds every message; $(( n > 0 ? n - 1 : 0 )) to translate"
	exit 0
fi

status=0
msgmerge --quiet --no-fuzzy-matching --no-wrap -o "$tmp/merged.po" "$po" "$tmp/techex.pot"
# the untranslated and fuzzy messages, one msgid a line (the header is msgid "")
msgattrib --untranslated --no-obsolete --no-wrap "$tmp/merged.po" 2>/dev/null |
	grep '^msgid "..*"$' >"$tmp/missing" || true
msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/merged.po" 2>/dev/null |
	grep '^msgid "..*"$' >"$tmp/fuzzy" || true
if [ -s "$tmp/missing" ]; then
	echo "po-check: $(wc -l <"$tmp/missing") message(s) without a translation in $po:"
	sed 's/^/  /' "$tmp/missing"
	status=1
fi
if [ -s "$tmp/fuzzy" ]; then
	echo "po-check: $(wc -l <"$tmp/fuzzy") fuzzy translation(s) in $po (check, then drop the fuzzy flag):"
	sed 's/^/  /' "$tmp/fuzzy"
	status=1
fi
# printf directives: msgfmt compares them where the message has any; a message
# without one must not gain one in translation (it would read an argument that
# was never passed)
if ! msgfmt --check --output-file=/dev/null "$tmp/merged.po" 2>"$tmp/msgfmt"; then
	echo "po-check: msgfmt --check refuses $po:"
	sed 's/^/  /' "$tmp/msgfmt"
	status=1
fi
awk '/^msgid "/ { id = $0; next }
     /^msgstr "/ && id !~ /%/ && $0 ~ /%/ { print "  " id; print "  " $0; bad = 1 }
     END { exit bad }' "$tmp/merged.po" >"$tmp/directives" || {
	echo "po-check: translations with a % their message does not have:"
	cat "$tmp/directives"
	status=1
}
if [ "$status" = 0 ]; then
	n=$(grep -c '^msgid "..*"$' "$tmp/merged.po" || true)
	echo "po-check: all $n messages translated in $po"
else
	echo "po-check: run \`make po-update\`, translate the new msgstr entries in $po, run \`make po-check\`"
fi
exit $status
