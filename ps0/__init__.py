"""PS0: the warm-up. numpy without loops, calculus in code, probability, linear regression."""
