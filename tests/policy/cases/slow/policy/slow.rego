package main

# About 10^10 iterations: far longer than any test timeout, with little memory.
deny contains msg if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j == -1
	msg := "unreachable"
}
