"""UHHC: home-care routing with skills, windows, shifts, lunch and synchronised visits.

``read_instance`` reads an instance, ``evaluate`` costs a solution as the UHHC authors'
validator does, ``solve_uhhc`` plans one and ``plan_uhhc_file`` does all three for the CLI.
"""
