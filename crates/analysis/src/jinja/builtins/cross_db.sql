{#-
  Loupe builtin macros: cross-database string, aggregate, set, array and cast helpers
  (dbt.concat, dbt.hash, dbt.safe_cast, dbt.listagg, dbt.split_part, ...).

  These mirror dbt-core's "global project" macros
  (dbt-labs/dbt-core, now dbt-labs/dbt-adapters: include/global_project/macros/utils/*.sql)
  and the adapter overrides shipped by dbt-postgres, dbt-redshift, dbt-snowflake,
  dbt-bigquery, dbt-spark, dbt-databricks and dbt-duckdb. All of those are Apache-2.0.

  Dispatch note: dbt-databricks inherits dbt-spark's macros (databricks -> spark -> default).
  Loupe's adapter.dispatch only tries `<adapter>__name` then `default__name`, so the
  databricks__ macros at the end of this file delegate to the spark__ versions explicitly.

  Deviations needed to render without a warehouse or for MiniJinja (no Python string
  methods, no str.format, no list mutation) are marked "LOUPE:".
-#}


{# concat ------------------------------------------------------------------ #}

{% macro concat(fields) -%}
  {{ return(adapter.dispatch('concat', 'dbt')(fields)) }}
{%- endmacro %}

{% macro default__concat(fields) -%}
    {{ fields|join(' || ') }}
{%- endmacro %}

{# dbt-spark #}
{% macro spark__concat(fields) -%}
    concat({{ fields|join(', ') }})
{%- endmacro %}


{# hash -------------------------------------------------------------------- #}

{% macro hash(field) -%}
  {{ return(adapter.dispatch('hash', 'dbt') (field)) }}
{%- endmacro %}

{# LOUPE: api.Column.translate_type('string') -> dbt._loupe_translate_type('string') (see types.sql) #}
{% macro default__hash(field) -%}
    md5(cast({{ field }} as {{ dbt._loupe_translate_type('string') }}))
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__hash(field) -%}
    to_hex({{dbt.default__hash(field)}})
{%- endmacro %}


{# cast / safe_cast -------------------------------------------------------- #}

{% macro cast(field, type) %}
  {{ return(adapter.dispatch('cast', 'dbt') (field, type)) }}
{% endmacro %}

{% macro default__cast(field, type) %}
    cast({{field}} as {{type}})
{% endmacro %}

{# dbt-snowflake #}
{% macro snowflake__cast(field, type) %}
    {% if (type|upper == "GEOGRAPHY") -%}
        to_geography({{field}} as {{type}})
    {% elif (type|upper == "GEOMETRY") -%}
        to_geometry({{field}} as {{type}})
    {% else -%}
        cast({{field}} as {{type}})
    {% endif -%}
{% endmacro %}

{% macro safe_cast(field, type) %}
  {{ return(adapter.dispatch('safe_cast', 'dbt') (field, type)) }}
{% endmacro %}

{% macro default__safe_cast(field, type) %}
    {# most databases don't support this function yet
    so we just need to use cast #}
    cast({{field}} as {{type}})
{% endmacro %}

{# dbt-snowflake #}
{% macro snowflake__safe_cast(field, type) %}
    {% if type|upper == "GEOMETRY" -%}
        try_to_geometry({{field}})
    {% elif type|upper == "GEOGRAPHY" -%}
        try_to_geography({{field}})
    {% elif type|upper != "VARIANT" -%}
        {#-- Snowflake try_cast does not support casting to variant, and expects the field as a string --#}
        {% set field_as_string = dbt.string_literal(field) if field is number else field %}
        try_cast({{field_as_string}} as {{type}})
    {% else -%}
        {{ adapter.dispatch('cast', 'dbt')(field, type) }}
    {% endif -%}
{% endmacro %}

{# dbt-bigquery
   LOUPE: Python string methods rewritten as filters/tests:
     type.lower().startswith('array')  -> (type|lower) is startingwith('array')
     type.lower()[6:-1]                -> (type|lower)[6:-1]
     field.strip('"').strip("'")       -> field|trim('"')|trim("'")
     tojson(field)                     -> field|tojson #}
{% macro bigquery__safe_cast(field, type) %}
{%- if (type|lower) is startingwith('array') and field is iterable and (field is not string and field is not mapping) and field | length > 0 -%}
    (select array_agg(safe_cast(i as {{ (type|lower)[6:-1] }})) from unnest({{field}}) i)
{%- elif (type|lower) == 'json' and field is mapping -%}
    safe_cast(json {{ dbt.string_literal(field | tojson) }} as json)
{%- elif (type|lower) is startingwith('struct') and field is string -%}
    safe_cast({{ field | trim('"') | trim("'") }} as {{type}})
{%- else -%}
    safe_cast({{field}} as {{type}})
{%- endif -%}
{% endmacro %}

{# dbt-spark
   LOUPE: field.strip(...) / type.lower().startswith(...) rewritten as filters/tests #}
{% macro spark__safe_cast(field, type) %}
{%- set field_clean = field | trim('"') | trim("'") if (cast_from_string_unsupported_for(type) and field is string) else field -%}
cast({{field_clean}} as {{type}})
{% endmacro %}

{% macro cast_from_string_unsupported_for(type) %}
    {{ return((type|lower) is startingwith('struct') or (type|lower) is startingwith('array') or (type|lower) is startingwith('map')) }}
{% endmacro %}


{# cast_bool_to_text ------------------------------------------------------- #}

{% macro cast_bool_to_text(field) %}
  {{ adapter.dispatch('cast_bool_to_text', 'dbt') (field) }}
{% endmacro %}

{# LOUPE: api.Column.translate_type('string') -> dbt._loupe_translate_type('string') #}
{% macro default__cast_bool_to_text(field) %}
    cast({{ field }} as {{ dbt._loupe_translate_type('string') }})
{% endmacro %}

{# dbt-redshift's: Redshift cannot cast a boolean to text. #}
{% macro redshift__cast_bool_to_text(field) %}
    case
        when {{ field }} is true then 'true'
        when {{ field }} is false then 'false'
    end::text
{% endmacro %}


{# any_value / bool_or ----------------------------------------------------- #}

{% macro any_value(expression) -%}
    {{ return(adapter.dispatch('any_value', 'dbt') (expression)) }}
{% endmacro %}

{% macro default__any_value(expression) -%}

    any_value({{ expression }})

{%- endmacro %}

{#- /*Postgres doesn't support any_value, so we're using min() to get the same result*/ -#}
{% macro postgres__any_value(expression) -%}

    min({{ expression }})

{%- endmacro %}

{#- dbt-redshift: mimics the previous behavior before decoupling dbt-redshift from dbt-postgres -#}
{% macro redshift__any_value(expression) -%}

    min({{ expression }})

{%- endmacro %}

{# dbt-duckdb #}
{% macro duckdb__any_value(expression) -%}

    arbitrary({{ expression }})

{%- endmacro %}

{# dbt-spark #}
{% macro spark__any_value(expression) -%}
    {#-- return any value (non-deterministic)  --#}
    first({{ expression }})

{%- endmacro %}

{% macro bool_or(expression) -%}
    {{ return(adapter.dispatch('bool_or', 'dbt') (expression)) }}
{% endmacro %}

{% macro default__bool_or(expression) -%}

    bool_or({{ expression }})

{%- endmacro %}

{# dbt-snowflake #}
{% macro snowflake__bool_or(expression) -%}

    boolor_agg({{ expression }})

{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__bool_or(expression) -%}

    logical_or({{ expression }})

{%- endmacro %}

{# dbt-spark #}
{% macro spark__bool_or(expression) -%}

    max({{ expression }})

{%- endmacro %}


{# listagg ----------------------------------------------------------------- #}

{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
    {{ return(adapter.dispatch('listagg', 'dbt') (measure, delimiter_text, order_by_clause, limit_num)) }}
{%- endmacro %}

{% macro default__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

    {% if limit_num -%}
    array_to_string(
        array_slice(
            array_agg(
                {{ measure }}
            ){% if order_by_clause -%}
            within group ({{ order_by_clause }})
            {%- endif %}
            ,0
            ,{{ limit_num }}
        ),
        {{ delimiter_text }}
        )
    {%- else %}
    listagg(
        {{ measure }},
        {{ delimiter_text }}
        )
        {% if order_by_clause -%}
        within group ({{ order_by_clause }})
        {%- endif %}
    {%- endif %}

{%- endmacro %}

{# dbt-postgres #}
{% macro postgres__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

    {% if limit_num -%}
    array_to_string(
        (array_agg(
            {{ measure }}
            {% if order_by_clause -%}
            {{ order_by_clause }}
            {%- endif %}
        ))[1:{{ limit_num }}],
        {{ delimiter_text }}
        )
    {%- else %}
    string_agg(
        {{ measure }},
        {{ delimiter_text }}
        {% if order_by_clause -%}
        {{ order_by_clause }}
        {%- endif %}
        )
    {%- endif %}

{%- endmacro %}

{# dbt-duckdb #}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {% if limit_num -%}
    list_aggr(
        (array_agg(
            {{ measure }}
            {% if order_by_clause -%}
            {{ order_by_clause }}
            {%- endif %}
        ))[1:{{ limit_num }}],
        'string_agg',
        {{ delimiter_text }}
        )
    {%- else %}
    string_agg(
        {{ measure }},
        {{ delimiter_text }}
        {% if order_by_clause -%}
        {{ order_by_clause }}
        {%- endif %}
        )
    {%- endif %}
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

    string_agg(
        {{ measure }},
        {{ delimiter_text }}
        {% if order_by_clause -%}
        {{ order_by_clause }}
        {%- endif %}
        {% if limit_num -%}
        limit {{ limit_num }}
        {%- endif %}
        )

{%- endmacro %}

{# dbt-redshift
   if there are instances of delimiter_text within your measure, you cannot include a limit_num
   LOUPE: special_chars.split(',') -> special_chars | split(',') #}
{% macro redshift__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

    {% if limit_num -%}
    {% set ns = namespace() %}
    {% set ns.delimiter_text_regex = delimiter_text|trim("'") %}
    {% set special_chars %}\,^,$,.,|,?,*,+,(,),[,],{,}{% endset %}
    {%- for char in special_chars | split(',') -%}
        {% set escape_char %}\\{{ char }}{% endset %}
        {% set ns.delimiter_text_regex = ns.delimiter_text_regex|replace(char,escape_char) %}
    {%- endfor -%}

    {% set regex %}'([^{{ ns.delimiter_text_regex }}]+{{ ns.delimiter_text_regex }}){1,{{ limit_num - 1}}}[^{{ ns.delimiter_text_regex }}]+'{% endset %}
    regexp_substr(
        listagg(
            {{ measure }},
            {{ delimiter_text }}
            )
            {% if order_by_clause -%}
            within group ({{ order_by_clause }})
            {%- endif %}
        ,{{ regex }}
        )
    {%- else %}
    listagg(
        {{ measure }},
        {{ delimiter_text }}
        )
        {% if order_by_clause -%}
        within group ({{ order_by_clause }})
        {%- endif %}
    {%- endif %}

{%- endmacro %}

{# dbt-spark #}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}

  {% if order_by_clause %}
    {{ exceptions.warn("order_by_clause is not supported for listagg on Spark/Databricks") }}
  {% endif %}

  {% set collect_list %} collect_list({{ measure }}) {% endset %}

  {% set limited %} slice({{ collect_list }}, 1, {{ limit_num }}) {% endset %}

  {% set collected = limited if limit_num else collect_list %}

  {% set final %} array_join({{ collected }}, {{ delimiter_text }}) {% endset %}

  {% do return(final) %}

{%- endmacro %}


{# split_part -------------------------------------------------------------- #}

{% macro split_part(string_text, delimiter_text, part_number) %}
  {{ return(adapter.dispatch('split_part', 'dbt') (string_text, delimiter_text, part_number)) }}
{% endmacro %}

{% macro default__split_part(string_text, delimiter_text, part_number) %}

    split_part(
        {{ string_text }},
        {{ delimiter_text }},
        {{ part_number }}
        )

{% endmacro %}

{% macro _split_part_negative(string_text, delimiter_text, part_number) %}

    split_part(
        {{ string_text }},
        {{ delimiter_text }},
          length({{ string_text }})
          - length(
              replace({{ string_text }},  {{ delimiter_text }}, '')
          ) + 2 + {{ part_number }}
        )

{% endmacro %}

{# dbt-postgres #}
{% macro postgres__split_part(string_text, delimiter_text, part_number) %}

  {% if part_number >= 0 %}
    {{ dbt.default__split_part(string_text, delimiter_text, part_number) }}
  {% else %}
    {{ dbt._split_part_negative(string_text, delimiter_text, part_number) }}
  {% endif %}

{% endmacro %}

{# dbt-redshift #}
{% macro redshift__split_part(string_text, delimiter_text, part_number) %}

  {% if part_number >= 0 %}
    {{ dbt.default__split_part(string_text, delimiter_text, part_number) }}
  {% else %}
    {{ dbt._split_part_negative(string_text, delimiter_text, part_number) }}
  {% endif %}

{% endmacro %}

{# dbt-duckdb #}
{% macro duckdb__split_part(string_text, delimiter_text, part_number) %}

  {% if part_number >= 0 %}
    coalesce(string_split({{ string_text }}, {{ delimiter_text }})[ {{ part_number }} ], '')
  {% else %}
    {{ dbt._split_part_negative(string_text, delimiter_text, part_number) }}
  {% endif %}

{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__split_part(string_text, delimiter_text, part_number) %}

  {% if part_number >= 0 %}
    split(
        {{ string_text }},
        {{ delimiter_text }}
        )[safe_offset({{ part_number - 1 }})]
  {% else %}
    split(
        {{ string_text }},
        {{ delimiter_text }}
        )[safe_offset(
          length({{ string_text }})
          - length(
              replace({{ string_text }},  {{ delimiter_text }}, '')
          ) + 1
        )]
  {% endif %}

{% endmacro %}

{# dbt-spark #}
{% macro spark__split_part(string_text, delimiter_text, part_number) %}

    {% set delimiter_expr %}

        -- escape if starts with a special character
        case when regexp_extract({{ delimiter_text }}, '([^A-Za-z0-9])(.*)', 1) != '_'
            then concat('\\', {{ delimiter_text }})
            else {{ delimiter_text }} end

    {% endset %}

    {% if part_number >= 0 %}

        {% set split_part_expr %}

        split(
            {{ string_text }},
            {{ delimiter_expr }}
            )[({{ part_number - 1 if part_number > 0 else part_number }})]

        {% endset %}

    {% else %}

        {% set split_part_expr %}

        split(
            {{ string_text }},
            {{ delimiter_expr }}
            )[(
                length({{ string_text }})
                - length(
                    replace({{ string_text }},  {{ delimiter_text }}, '')
                ) + 1 {{ part_number }}
            )]

        {% endset %}

    {% endif %}

    {{ return(split_part_expr) }}

{% endmacro %}

{# dbt-databricks (own implementation, not spark's) #}
{% macro databricks__split_part(string_text, delimiter_text, part_number) %}

    {% set delimiter_expr %}

        -- escape if starts with a special character
        case when regexp_extract({{ delimiter_text }}, '([^A-Za-z0-9])(.*)', 1) != '_'
            then concat('\\', {{ delimiter_text }})
            else {{ delimiter_text }} end

    {% endset %}

    {% if part_number >= 0 %}

        {% set split_part_expr %}

        get(split(
            {{ string_text }},
            {{ delimiter_expr }}
            ), {{ part_number - 1 if part_number > 0 else part_number }})

        {% endset %}

    {% else %}

        {% set split_part_expr %}

        get(split(
            {{ string_text }},
            {{ delimiter_expr }}
            ),
                length({{ string_text }})
                - length(
                    replace({{ string_text }},  {{ delimiter_text }}, '')
                ) + 1 + {{ part_number }}
            )

        {% endset %}

    {% endif %}

    {{ return(split_part_expr) }}

{% endmacro %}


{# replace / length / position / right ------------------------------------- #}

{% macro replace(field, old_chars, new_chars) -%}
    {{ return(adapter.dispatch('replace', 'dbt') (field, old_chars, new_chars)) }}
{% endmacro %}

{% macro default__replace(field, old_chars, new_chars) %}

    replace(
        {{ field }},
        {{ old_chars }},
        {{ new_chars }}
    )


{% endmacro %}

{% macro length(expression) -%}
    {{ return(adapter.dispatch('length', 'dbt') (expression)) }}
{% endmacro %}

{% macro default__length(expression) %}

    length(
        {{ expression }}
    )

{%- endmacro -%}

{# dbt-redshift #}
{% macro redshift__length(expression) %}

    len(
        {{ expression }}
    )

{%- endmacro -%}

{% macro position(substring_text, string_text) -%}
    {{ return(adapter.dispatch('position', 'dbt') (substring_text, string_text)) }}
{% endmacro %}

{% macro default__position(substring_text, string_text) %}

    position(
        {{ substring_text }} in {{ string_text }}
    )

{%- endmacro -%}

{# dbt-bigquery #}
{% macro bigquery__position(substring_text, string_text) %}

    strpos(
        {{ string_text }},
        {{ substring_text }}

    )

{%- endmacro -%}

{% macro right(string_text, length_expression) -%}
    {{ return(adapter.dispatch('right', 'dbt') (string_text, length_expression)) }}
{% endmacro %}

{% macro default__right(string_text, length_expression) %}

    right(
        {{ string_text }},
        {{ length_expression }}
    )

{%- endmacro -%}

{# dbt-snowflake #}
{% macro snowflake__right(string_text, length_expression) %}

    case when {{ length_expression }} = 0
        then ''
    else
        right(
            {{ string_text }},
            {{ length_expression }}
        )
    end

{%- endmacro -%}

{# dbt-bigquery #}
{% macro bigquery__right(string_text, length_expression) %}

    case when {{ length_expression }} = 0
        then ''
    else
        substr(
            {{ string_text }},
            -1 * ({{ length_expression }})
        )
    end

{%- endmacro -%}


{# escape_single_quotes / string_literal ----------------------------------- #}

{% macro escape_single_quotes(expression) %}
      {{ return(adapter.dispatch('escape_single_quotes', 'dbt') (expression)) }}
{% endmacro %}

{# /*Default to replacing a single apostrophe with two apostrophes: they're -> they''re*/ #}
{% macro default__escape_single_quotes(expression) -%}
{{ expression | replace("'","''") }}
{%- endmacro %}

{# /* Spark/Databricks, Snowflake and BigQuery use a single backslash: they're -> they\'re.
      The second backslash is to escape it from Jinja */ #}
{% macro spark__escape_single_quotes(expression) -%}
{{ expression | replace("'","\\'") }}
{%- endmacro %}

{% macro snowflake__escape_single_quotes(expression) -%}
{{ expression | replace("'","\\'") }}
{%- endmacro %}

{% macro bigquery__escape_single_quotes(expression) -%}
{{ expression | replace("'","\\'") }}
{%- endmacro %}

{%- macro string_literal(value) -%}
  {{ return(adapter.dispatch('string_literal', 'dbt') (value)) }}
{%- endmacro -%}

{% macro default__string_literal(value) -%}
    '{{ value }}'
{%- endmacro %}

{# dbt-bigquery #}
{%- macro bigquery__string_literal(value) -%}
    '''{{ value }}'''
{%- endmacro -%}


{# except / intersect ------------------------------------------------------ #}

{% macro except() %}
  {{ return(adapter.dispatch('except', 'dbt')()) }}
{% endmacro %}

{% macro default__except() %}

    except

{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__except() %}

    except distinct

{% endmacro %}

{% macro intersect() %}
  {{ return(adapter.dispatch('intersect', 'dbt')()) }}
{% endmacro %}

{% macro default__intersect() %}

    intersect

{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__intersect() %}

    intersect distinct

{% endmacro %}


{# arrays ------------------------------------------------------------------ #}

{# LOUPE: default data_type is api.Column.translate_type('integer') in dbt-core #}
{% macro array_construct(inputs=[], data_type=dbt._loupe_translate_type('integer')) -%}
  {{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) }}
{%- endmacro %}

{# all inputs must be the same data type to match postgres functionality #}
{% macro default__array_construct(inputs, data_type) -%}
    {% if inputs|length > 0 %}
    array[ {{ inputs|join(' , ') }} ]
    {% else %}
    array[]::{{data_type}}[]
    {% endif %}
{%- endmacro %}

{# dbt-snowflake #}
{% macro snowflake__array_construct(inputs, data_type) -%}
    array_construct( {{ inputs|join(' , ') }} )
{%- endmacro %}

{# dbt-redshift #}
{% macro redshift__array_construct(inputs, data_type) -%}
    array( {{ inputs|join(' , ') }} )
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__array_construct(inputs, data_type) -%}
    {% if inputs|length > 0 %}
    [ {{ inputs|join(' , ') }} ]
    {% else %}
    ARRAY<{{data_type}}>[]
    {% endif %}
{%- endmacro %}

{# dbt-spark #}
{% macro spark__array_construct(inputs, data_type) -%}
    array( {{ inputs|join(' , ') }} )
{%- endmacro %}

{% macro array_append(array, new_element) -%}
  {{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}
{%- endmacro %}

{# new_element must be the same data type as elements in array to match postgres functionality #}
{% macro default__array_append(array, new_element) -%}
    array_append({{ array }}, {{ new_element }})
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__array_append(array, new_element) -%}
    {{ array_concat(array, array_construct([new_element])) }}
{%- endmacro %}

{# dbt-redshift #}
{% macro redshift__array_append(array, new_element) -%}
    {{ array_concat(array, array_construct([new_element])) }}
{%- endmacro %}

{# dbt-spark #}
{% macro spark__array_append(array, new_element) -%}
    {{ array_concat(array, array_construct([new_element])) }}
{%- endmacro %}

{% macro array_concat(array_1, array_2) -%}
  {{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}
{%- endmacro %}

{% macro default__array_concat(array_1, array_2) -%}
    array_cat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__array_concat(array_1, array_2) -%}
    array_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}

{# dbt-redshift #}
{% macro redshift__array_concat(array_1, array_2) -%}
    array_concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}

{# dbt-spark #}
{% macro spark__array_concat(array_1, array_2) -%}
    concat({{ array_1 }}, {{ array_2 }})
{%- endmacro %}


{# equals ------------------------------------------------------------------ #}

{% macro equals(expr1, expr2) %}
    {{ return(adapter.dispatch('equals', 'dbt') (expr1, expr2)) }}
{%- endmacro %}

{# LOUPE: dbt-core reads adapter.behavior.enable_truthy_nulls_equals_macro.no_warn (a behavior
   flag, default false). Guarded so an adapter object without `behavior` renders the default. #}
{% macro default__equals(expr1, expr2) -%}
{%- if adapter.behavior is defined and adapter.behavior and adapter.behavior.enable_truthy_nulls_equals_macro and adapter.behavior.enable_truthy_nulls_equals_macro.no_warn %}
    case when (({{ expr1 }} = {{ expr2 }}) or ({{ expr1 }} is null and {{ expr2 }} is null))
        then 0
        else 1
    end = 0
{%- else -%}
    ({{ expr1 }} = {{ expr2 }})
{%- endif %}
{% endmacro %}


{# dbt-spark: assert_not_null (used by spark__dateadd / spark__datediff) --- #}

{% macro assert_not_null(function, arg) -%}
  {{ return(adapter.dispatch('assert_not_null', 'dbt')(function, arg)) }}
{%- endmacro %}

{% macro default__assert_not_null(function, arg) %}

    coalesce({{function}}({{arg}}), nvl2({{function}}({{arg}}), assert_true({{function}}({{arg}}) is not null), null))

{% endmacro %}

{% macro spark__assert_not_null(function, arg) %}

    coalesce({{function}}({{arg}}), nvl2({{function}}({{arg}}), assert_true({{function}}({{arg}}) is not null), null))

{% endmacro %}


{# dbt-databricks: inherited spark__ implementations ----------------------- #}
{# LOUPE: dbt resolves databricks -> spark -> default; Loupe's dispatch only tries
   databricks__ then default__, so these delegate to the spark__ macros explicitly. #}

{% macro databricks__concat(fields) -%}
    {{ return(spark__concat(fields)) }}
{%- endmacro %}

{% macro databricks__safe_cast(field, type) -%}
    {{ return(spark__safe_cast(field, type)) }}
{%- endmacro %}

{% macro databricks__any_value(expression) -%}
    {{ return(spark__any_value(expression)) }}
{%- endmacro %}

{% macro databricks__bool_or(expression) -%}
    {{ return(spark__bool_or(expression)) }}
{%- endmacro %}

{% macro databricks__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {{ return(spark__listagg(measure, delimiter_text, order_by_clause, limit_num)) }}
{%- endmacro %}

{% macro databricks__escape_single_quotes(expression) -%}
    {{ return(spark__escape_single_quotes(expression)) }}
{%- endmacro %}

{% macro databricks__array_construct(inputs, data_type) -%}
    {{ return(spark__array_construct(inputs, data_type)) }}
{%- endmacro %}

{% macro databricks__array_append(array, new_element) -%}
    {{ return(spark__array_append(array, new_element)) }}
{%- endmacro %}

{% macro databricks__array_concat(array_1, array_2) -%}
    {{ return(spark__array_concat(array_1, array_2)) }}
{%- endmacro %}

{% macro databricks__assert_not_null(function, arg) -%}
    {{ return(spark__assert_not_null(function, arg)) }}
{%- endmacro %}
