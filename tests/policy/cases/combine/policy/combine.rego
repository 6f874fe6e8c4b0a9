package main

deny contains msg if {
	some i, j
	input[i].contents.kind == input[j].contents.kind
	input[i].contents.metadata.name == input[j].contents.metadata.name
	i < j
	msg := sprintf("duplicate %s %s in %s and %s", [input[i].contents.kind, input[i].contents.metadata.name, input[i].path, input[j].path])
}

warn contains msg if {
	some doc in input
	doc.contents.kind == "Deployment"
	not service_for(doc.contents.metadata.name)
	msg := sprintf("Deployment %s (%s) has no Service", [doc.contents.metadata.name, doc.path])
}

service_for(name) if {
	some doc in input
	doc.contents.kind == "Service"
	doc.contents.metadata.name == name
}
