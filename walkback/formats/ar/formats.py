"""Arabic as read in Australia (docs/languages.md#numbers-and-dates).

Django's Arabic formats write 1.5 as "1,5" and 1,000 as "1.000". Arabic speakers in Australia
read the digits and separators of the country they live in, and the same numbers appear in SVG
chart coordinates, where a comma would break the drawing. Only the separators change; dates and
times keep Django's Arabic formats.
"""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
