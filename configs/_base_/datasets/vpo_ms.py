# VPO-MS in CAVP's layout: as VPO-SS (see vpo_ss.py), but each image has several sounding
# sources, whose 3-s clips are summed into one mono track.
_base_ = ['./vpo_ss.py']
subset = 'VPO-MS'
train_dataloader = dict(dataset=dict(subset=subset))
val_dataloader = dict(dataset=dict(subset=subset))
test_dataloader = val_dataloader
