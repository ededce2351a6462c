# expect: mitigated
# Rolling back restores service with the previous release; the release itself (and its
# missing Secret) is still not fixed.
kubectl rollout history deployment/{{ app }}
kubectl rollout undo deployment/{{ app }}
kubectl rollout status deployment/{{ app }}
kubectl get pods
