# expect: unresolved
# The classic copy between namespaces: staging's values are not production's, so the app
# now gets as far as the database and is refused.
kubectl get pods
kubectl get secret {{ app }}-{{ secret_suffix }} -n staging -o yaml | sed 's/namespace: staging/namespace: {{ namespace }}/' | kubectl apply -f -
kubectl rollout restart deployment/{{ app }}
sleep 60
kubectl get pods
kubectl logs deployment/{{ app }} --previous
