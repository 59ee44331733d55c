"""Cases: matters the center hands to a department, with deadlines, follow-up and Open311."""
