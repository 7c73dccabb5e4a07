; Highlighting for DerekStride's SQL grammar. Only keywords the grammar has
; long had are named, so the query compiles against the pinned commit too
; (tests/manifest.rs compiles it against tree-sitter-sequel).

(comment) @comment
(marginalia) @comment

((literal) @number
  (#match? @number "^[-+]?[0-9.]"))
((literal) @string
  (#match? @string "^['\"$]"))

[
  (keyword_true)
  (keyword_false)
] @boolean

(keyword_null) @constant

(invocation
  (object_reference
    name: (identifier) @function))

(cte
  (identifier) @type)

(relation
  alias: (identifier) @variable)
(term
  alias: (identifier) @variable)

(field
  name: (identifier) @property)

(parameter) @variable.special

[
  (int)
  (bigint)
  (smallint)
  (tinyint)
  (decimal)
  (numeric)
  (double)
  (float)
  (varchar)
  (char)
  (timestamp)
  (time)
  (keyword_boolean)
  (keyword_date)
  (keyword_text)
  (keyword_json)
  (keyword_uuid)
] @type

[
  (keyword_select)
  (keyword_from)
  (keyword_where)
  (keyword_with)
  (keyword_as)
  (keyword_join)
  (keyword_inner)
  (keyword_left)
  (keyword_right)
  (keyword_full)
  (keyword_outer)
  (keyword_cross)
  (keyword_on)
  (keyword_using)
  (keyword_group)
  (keyword_order)
  (keyword_by)
  (keyword_having)
  (keyword_limit)
  (keyword_offset)
  (keyword_union)
  (keyword_except)
  (keyword_intersect)
  (keyword_all)
  (keyword_distinct)
  (keyword_case)
  (keyword_when)
  (keyword_then)
  (keyword_else)
  (keyword_end)
  (keyword_and)
  (keyword_or)
  (keyword_not)
  (keyword_in)
  (keyword_is)
  (keyword_like)
  (keyword_between)
  (keyword_exists)
  (keyword_over)
  (keyword_partition)
  (keyword_window)
  (keyword_asc)
  (keyword_desc)
  (keyword_cast)
  (keyword_interval)
  (keyword_insert)
  (keyword_into)
  (keyword_values)
  (keyword_update)
  (keyword_set)
  (keyword_delete)
  (keyword_create)
  (keyword_table)
  (keyword_view)
  (keyword_replace)
  (keyword_if)
  (keyword_lateral)
] @keyword

[
  "("
  ")"
] @punctuation.bracket

[
  ","
  "."
  ";"
] @punctuation.delimiter

[
  "="
  "<"
  ">"
  "<="
  ">="
  "<>"
  "!="
  "+"
  "-"
  "*"
  "/"
  "%"
] @operator
