package dev.roomcast.cluster.redis;

import java.util.Objects;

/**
 * One connection in a room as the cluster sees it: the node that holds it, its connection id there
 * and its identity's subject. Two tabs of one user are two members with the same subject.
 *
 * @param nodeId       the node holding the connection
 * @param connectionId the connection's id on that node (ids are unique per node, not across nodes)
 * @param subject      the connection's identity subject
 */
public record ClusterMember(String nodeId, String connectionId, String subject) {
    public ClusterMember {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(subject, "subject");
    }
}
