# VPO-MSMI in CAVP's layout: as VPO-MS (several sounding sources per image, their 3-s clips
# summed into one mono track), with many images holding several instances of one class that
# do not all sound; its rows with multi_instance == 0 read their files from VPO-MS.
_base_ = ['./vpo_ss.py']
subset = 'VPO-MSMI'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = val_dataloader
