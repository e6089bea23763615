"""Circuits: netlists, SPICE simulations, answer checks, similarity and schematics.

A pure-Python core (it never imports Django). Importing it is cheap: PySpice, numpy,
networkx and schemdraw load only inside the functions that need them.

Modules
-------
units       reading and writing quantities ("2.5 mA", "4k7")
errors      the exception hierarchy (CircuitError and subclasses)
netlist     the SPICE subset: parse, validate, write back, build from a page-side builder
ask         the questions: V(n), I(R1), P(R1), Req(a,b), @t=, mag/phase @f=, tau
spice       the rebuilt ngspice deck and the job sent to a worker
pool        isolated ngspice worker processes (default_pool())
simulate    evaluate(netlist, ask) and whole solutions
check       check_answer(netlist, ask, answer) with a diagnosis of wrong answers
design      check_design(netlist, constraints) for answers that are circuits
graph       a circuit as a typed networkx graph
similarity  Weisfeiler-Lehman similarity between circuits
draw        SVG schematics with schemdraw
cli         python -m circuits simulate|check|design|similar|draw
"""
