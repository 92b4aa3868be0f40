package mcp

// registry lists every tool the server offers, in the order clients show
// them. Annotations are honest: read-only tools change nothing but access
// counts; destructive ones can lose data; idempotent ones can be repeated
// with the same arguments to no further effect.
var registry = []toolSpec{
	defineTool("store_memory", "Store memory", storeMemoryDesc,
		hints{idempotent: true}, storeMemory),
	defineTool("get_memory", "Get memory", getMemoryDesc,
		hints{readOnly: true, idempotent: true}, getMemory),
	defineTool("update_memory", "Update memory", updateMemoryDesc,
		hints{destructive: true}, updateMemory),
	defineTool("delete_memory", "Delete memory", deleteMemoryDesc,
		hints{destructive: true, idempotent: true}, deleteMemory),
	defineTool("search_memories", "Search memories", searchMemoriesDesc,
		hints{readOnly: true, idempotent: true}, searchMemories),
	defineTool("recall_memories", "Recall memories", recallMemoriesDesc,
		hints{readOnly: true, idempotent: true}, recallMemories),
	defineTool("create_relationship", "Create relationship", createRelationshipDesc,
		hints{}, createRelationship),
	defineTool("delete_relationship", "Delete relationship", deleteRelationshipDesc,
		hints{destructive: true, idempotent: true}, deleteRelationship),
	defineTool("get_related_memories", "Get related memories", relatedMemoriesDesc,
		hints{readOnly: true, idempotent: true}, relatedMemories),
	defineTool("find_path", "Find path", findPathDesc,
		hints{readOnly: true, idempotent: true}, findPath),
	defineTool("get_recent_activity", "Get recent activity", recentActivityDesc,
		hints{readOnly: true, idempotent: true}, recentActivity),
	defineTool("get_memory_statistics", "Get memory statistics", statisticsDesc,
		hints{readOnly: true, idempotent: true}, statistics),
}
