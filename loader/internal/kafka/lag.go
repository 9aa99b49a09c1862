package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EndOffsets asks the brokers for the end offset of each given partition, by
// topic. A partition the brokers answer with an error for is absent; after a
// topic's request fails, the topics answered before it are still returned.
func EndOffsets(ctx context.Context, brokers []string, partitions map[string][]int32, opts ...kgo.Opt) (map[string]map[int32]int64, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	end := map[string]map[int32]int64{}
	for topic, ids := range partitions {
		req := kmsg.NewPtrListOffsetsRequest()
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for _, id := range ids {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = id
			rp.Timestamp = -1 // the end of the partition
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		shards := cl.RequestSharded(ctx, req)
		for _, shard := range shards {
			if shard.Err != nil {
				return end, fmt.Errorf("list offsets of %s: %w", topic, shard.Err)
			}
			for _, t := range shard.Resp.(*kmsg.ListOffsetsResponse).Topics {
				for _, rp := range t.Partitions {
					if rp.ErrorCode == 0 {
						if end[topic] == nil {
							end[topic] = map[int32]int64{}
						}
						end[topic][rp.Partition] = rp.Offset
					}
				}
			}
		}
	}
	return end, nil
}
