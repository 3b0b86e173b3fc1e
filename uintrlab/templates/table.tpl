{#- A report table as pandas' Styler renders it (uintrlab.report.table): no ids or styles,
    cells of the columns marked "text" left-aligned. -#}
{% extends "html_table.tpl" %}
{% block table -%}
<div class="scroll"><table><thead>
{%- for r in head %}<tr>{% for c in r if c.is_visible != False %}<th>{{ c.display_value }}</th>{% endfor %}</tr>{% endfor -%}
</thead><tbody>
{%- for r in body %}<tr>{% for c in r if c.is_visible != False %}<td{% if "text" in c.class.split() %} class="text"{% endif %}>{{ c.display_value }}</td>{% endfor %}</tr>{% endfor -%}
</tbody></table></div>
{%- endblock table %}
