# Turn a text file into a C array `policy_default_text` (NUL-terminated).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "/* Generated from policy/default.ini; do not edit. */\n"
	"const char policy_default_text[] = {${body}0x00};\n")
