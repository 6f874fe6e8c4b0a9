package other

violation contains {"msg": msg} if {
	not input.metadata.namespace
	msg := sprintf("other: %s has no namespace", [input.metadata.name])
}
