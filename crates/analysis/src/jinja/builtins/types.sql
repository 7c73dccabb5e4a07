{#-
  Loupe builtin macros: data type helpers (dbt.type_string() and friends).

  These mirror dbt-core's "global project" macros
  (dbt-labs/dbt-core, now dbt-labs/dbt-adapters: include/global_project/macros/utils/data_types.sql)
  and the adapter overrides shipped by dbt-postgres, dbt-redshift, dbt-snowflake,
  dbt-bigquery, dbt-spark, dbt-databricks and dbt-duckdb. All of those are Apache-2.0.

  Deviations needed to render without a warehouse or for MiniJinja are marked "LOUPE:".
-#}

{#- LOUPE: dbt-core calls api.Column.translate_type(dtype) / api.Column.numeric_type(...).
    This helper reproduces those Python methods so the macros below do not depend on a
    native api.Column:
      * base Column.TYPE_LABELS (postgres, redshift, snowflake, duckdb, ...):
        STRING->TEXT, TIMESTAMP->TIMESTAMP, FLOAT->FLOAT, INTEGER->INT, BOOLEAN->BOOLEAN
      * BigQueryColumn.TYPE_LABELS: STRING->STRING, FLOAT->FLOAT64, INTEGER->INT64, ...
      * SparkColumn (spark, databricks): translate_type is the identity
    Anything not in the table is returned unchanged (Python: TYPE_LABELS.get(dtype.upper(), dtype)).
    tuva calls api.Column.translate_type directly, so the native api.Column should use the same table. -#}
{%- macro _loupe_translate_type(dtype) -%}
  {%- set key = dtype | upper -%}
  {%- if target.type in ['spark', 'databricks'] -%}
    {{- return(dtype) -}}
  {%- elif target.type == 'bigquery' -%}
    {%- set labels = {'STRING': 'STRING', 'TIMESTAMP': 'TIMESTAMP', 'FLOAT': 'FLOAT64', 'INTEGER': 'INT64', 'BOOLEAN': 'BOOLEAN', 'RECORD': 'RECORD'} -%}
    {{- return(labels[key] if key in labels else dtype) -}}
  {%- else -%}
    {%- set labels = {'STRING': 'TEXT', 'TIMESTAMP': 'TIMESTAMP', 'FLOAT': 'FLOAT', 'INTEGER': 'INT', 'BOOLEAN': 'BOOLEAN'} -%}
    {{- return(labels[key] if key in labels else dtype) -}}
  {%- endif -%}
{%- endmacro -%}

{#- LOUPE: mirrors Column.numeric_type(dtype, precision, scale) -#}
{%- macro _loupe_numeric_type(dtype, precision, scale) -%}
  {%- if precision is none or scale is none -%}
    {{- return(dtype) -}}
  {%- else -%}
    {{- return(dtype ~ '(' ~ precision ~ ',' ~ scale ~ ')') -}}
  {%- endif -%}
{%- endmacro -%}


{# string  -------------------------------------------------     #}

{%- macro type_string() -%}
  {{ return(adapter.dispatch('type_string', 'dbt')()) }}
{%- endmacro -%}

{% macro default__type_string() %}
    {{ return(dbt._loupe_translate_type("string")) }}
{% endmacro %}

-- This will return 'text' by default
-- On Postgres + Snowflake, that's equivalent to varchar (no size)
-- Redshift will treat that as varchar(256)

{# dbt-snowflake #}
{% macro snowflake__type_string() %}
    varchar
{% endmacro %}

{# dbt-redshift #}
{%- macro redshift__type_string() -%}
    varchar
{%- endmacro -%}


{# timestamp  -------------------------------------------------     #}

{%- macro type_timestamp() -%}
  {{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}
{%- endmacro -%}

{% macro default__type_timestamp() %}
    {{ return(dbt._loupe_translate_type("timestamp")) }}
{% endmacro %}

{# dbt-snowflake #}
{% macro snowflake__type_timestamp() %}
    timestamp_ntz
{% endmacro %}


{# float  -------------------------------------------------     #}

{%- macro type_float() -%}
  {{ return(adapter.dispatch('type_float', 'dbt')()) }}
{%- endmacro -%}

{% macro default__type_float() %}
    {{ return(dbt._loupe_translate_type("float")) }}
{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__type_float() %}
    float64
{% endmacro %}


{# numeric  -------------------------------------------------     #}

{%- macro type_numeric() -%}
  {{ return(adapter.dispatch('type_numeric', 'dbt')()) }}
{%- endmacro -%}

{% macro default__type_numeric() %}
    {{ return(dbt._loupe_numeric_type("numeric", 28, 6)) }}
{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__type_numeric() %}
    numeric
{% endmacro %}


{# bigint  -------------------------------------------------     #}

{%- macro type_bigint() -%}
  {{ return(adapter.dispatch('type_bigint', 'dbt')()) }}
{%- endmacro -%}

-- We don't have a conversion type for 'bigint' in TYPE_LABELS,
-- so this actually just returns the string 'bigint'

{% macro default__type_bigint() %}
    {{ return(dbt._loupe_translate_type("bigint")) }}
{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__type_bigint() %}
    int64
{% endmacro %}


{# int  -------------------------------------------------     #}

{%- macro type_int() -%}
  {{ return(adapter.dispatch('type_int', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_int() -%}
  {{ return(dbt._loupe_translate_type("integer")) }}
{%- endmacro -%}

{# dbt-bigquery #}
{% macro bigquery__type_int() %}
    int64
{% endmacro %}


{# bool  -------------------------------------------------     #}

{%- macro type_boolean() -%}
  {{ return(adapter.dispatch('type_boolean', 'dbt')()) }}
{%- endmacro -%}

{%- macro default__type_boolean() -%}
  {{ return(dbt._loupe_translate_type("boolean")) }}
{%- endmacro -%}

{#- LOUPE: dbt-core has no type_json macro; packages that need one (elementary, dbt_utils)
    define their own, so none is provided here. -#}
