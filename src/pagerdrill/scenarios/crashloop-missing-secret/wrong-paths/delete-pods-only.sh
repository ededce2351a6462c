# expect: unresolved
# Deleting a crash-looping pod just brings it back: the ReplicaSet makes a new one, which
# fails the same way.
kubectl get pods
kubectl delete pod {{ app }}-{{ pod_hash }}-{{ pod_suffix }}
sleep 30
kubectl get pods
sleep 120
kubectl get pods
