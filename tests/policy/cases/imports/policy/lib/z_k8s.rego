package lib.k8s

is_workload(obj) if obj.kind in {"Deployment", "StatefulSet", "DaemonSet"}

containers(obj) := obj.spec.template.spec.containers

# Not a checked namespace: this deny is never evaluated unless asked for.
deny contains "lib deny" if true
