# expect: unresolved
# The right values, in the wrong namespace: the pods in {{ namespace }} still cannot see them.
kubectl create secret generic {{ app }}-{{ secret_suffix }} -n default --from-env-file=/etc/{{ app }}/secrets/production.env
kubectl rollout restart deployment/{{ app }}
sleep 60
kubectl get pods
