# The expert path for "CrashLoopBackOff: the missing Secret": logs and describe, the
# Secret from the team store, a restart, and a pipeline that checks references first.
kubectl get pods
kubectl logs {{ app }}-{{ pod_hash }}-{{ pod_suffix }} --previous
kubectl describe pod {{ app }}-{{ pod_hash }}-{{ pod_suffix }}
# Does the Secret exist here? In staging?
kubectl get secrets -n {{ namespace }}
kubectl get secrets -n staging
kubectl describe secret {{ app }}-{{ secret_suffix }} -n staging
diagnose 3
# Production's values are in the team store, not in staging.
cat /srv/deploy/{{ app }}/RUNBOOK.md
kubectl create secret generic {{ app }}-{{ secret_suffix }} -n {{ namespace }} --from-env-file=/etc/{{ app }}/secrets/production.env
kubectl describe secret {{ app }}-{{ secret_suffix }}
# Do not wait for the back-off.
kubectl rollout restart deployment/{{ app }}
kubectl rollout status deployment/{{ app }}
kubectl get pods
# Prevent: deploy.sh asks the cluster for every referenced Secret before it applies.
cd /srv/deploy/{{ app }}
sed -i '/apply -f/i for s in $(sed -n "/secretKeyRef:/{n;s/.*name: *//p}" "k8s/${ENV}/"*.yaml | sort -u); do kubectl --context "${ENV}" get secret "$s" > /dev/null || exit 1; done' deploy.sh
cat deploy.sh
# The check stops the deploy while a Secret is missing (here: all present, so it deploys).
./deploy.sh production
git commit -am "deploy.sh: refuse to deploy when a referenced Secret is missing"
