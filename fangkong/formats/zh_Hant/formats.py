# Digit grouping by three from the units with a comma (GB/T 15835-2011); the rest of this
# language's formats are Django's.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
